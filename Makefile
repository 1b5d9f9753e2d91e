# The front door. `make test` and `make demo` install missing Debian packages first.
BUILD    ?= build
WERROR   ?= OFF
SANITIZE ?= OFF
JOBS     ?= $(shell nproc)
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRC_WERROR=$(WERROR) -DRC_SANITIZE=$(SANITIZE)

.PHONY: deps build test unit demo bench lint fuzz images install-yaml clean

deps:
	@.ci/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# Every test: unit, integration (real redis-server), e2e (kubesim).
test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 900

# Only the hermetic unit tests.
unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

# The whole story on kubesim (needs root): install, 6 pods, scale to 8 and back, logs.
demo: build
	tests/e2e/demo.sh $(BUILD)

# OCI image archives of both binaries, without a container engine
# (deploy/images/README.md): $(BUILD)/images/redis-cluster-{webhook,agent}-VERSION.oci.tar
images: deps
	deploy/images/build.sh $(BUILD)/images/staging
	deploy/images/make-oci.sh $(BUILD)/images/staging $(BUILD)/images

# deploy/install.yaml and deploy/install-cert-manager.yaml from deploy/ and certs/cert-manager/
# (kubectl kustomize); CI fails when the committed files differ (deploy_install_yaml_test).
install-yaml:
	deploy/render-install.sh

bench: build
	tests/bench/run.sh $(BUILD)

lint: build
	clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')
	clang-tidy -p $(BUILD) --quiet $$(git ls-files 'common/*.cc' 'webhook/*.cc' 'agent/*.cc')

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz -G Ninja -DRC_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(BUILD)-fuzz -j $(JOBS)
	@for f in $(BUILD)-fuzz/tests/fuzz/*_fuzz; do echo "== $$f"; $$f -max_total_time=30 || exit 1; done

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
