// LoadInClusterConfig with its paths and environment overridden: what a pod sees, and an
// error naming the variable or file when something is missing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "common/kube_client.h"

namespace rc {
namespace {

namespace fs = std::filesystem;

class InClusterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rc-kubeconfig-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    paths_.token_file = (dir_ / "token").string();
    paths_.ca_file = (dir_ / "ca.crt").string();
    paths_.namespace_file = (dir_ / "namespace").string();
    std::ofstream(paths_.token_file) << "made-up-token\n";
    std::ofstream(paths_.ca_file) << "-----BEGIN CERTIFICATE-----\n";
    std::ofstream(paths_.namespace_file) << "shop";
    for (const char* name : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"}) {
      const char* value = std::getenv(name);
      saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
    }
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value)
        setenv(name.c_str(), value->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  InClusterPaths paths_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(InClusterConfigTest, ReadsEnvironmentAndServiceAccountFiles) {
  auto config = LoadInClusterConfig(paths_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->host, "10.96.0.1");
  EXPECT_EQ(config->port, 6443);
  EXPECT_EQ(config->token, "made-up-token");  // trailing newline trimmed
  EXPECT_EQ(config->ca_file, paths_.ca_file);
  EXPECT_EQ(config->namespace_name, "shop");
}

TEST_F(InClusterConfigTest, PortDefaultsTo443) {
  unsetenv("KUBERNETES_SERVICE_PORT");
  auto config = LoadInClusterConfig(paths_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 443);
}

TEST_F(InClusterConfigTest, MissingHostVariableIsNamed) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  auto config = LoadInClusterConfig(paths_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(config.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos)
      << config.status().message();
}

TEST_F(InClusterConfigTest, BadPortVariableIsNamed) {
  setenv("KUBERNETES_SERVICE_PORT", "https", 1);
  auto config = LoadInClusterConfig(paths_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("KUBERNETES_SERVICE_PORT 'https'"), std::string::npos)
      << config.status().message();
}

TEST_F(InClusterConfigTest, EachMissingFileIsNamed) {
  for (const std::string* file : {&paths_.token_file, &paths_.ca_file, &paths_.namespace_file}) {
    SCOPED_TRACE(*file);
    std::string moved = *file + ".away";
    fs::rename(*file, moved);
    auto config = LoadInClusterConfig(paths_);
    fs::rename(moved, *file);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), ErrorCode::kNotFound);
    EXPECT_NE(config.status().message().find(*file), std::string::npos)
        << config.status().message();
  }
}

TEST_F(InClusterConfigTest, EmptyTokenFileIsNamed) {
  std::ofstream(paths_.token_file) << "\n";
  auto config = LoadInClusterConfig(paths_);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(paths_.token_file + " is empty"), std::string::npos)
      << config.status().message();
}

TEST_F(InClusterConfigTest, DefaultPathsAreTheServiceAccountMount) {
  InClusterPaths defaults;
  EXPECT_EQ(defaults.token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(defaults.ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  EXPECT_EQ(defaults.namespace_file, "/var/run/secrets/kubernetes.io/serviceaccount/namespace");
}

}  // namespace
}  // namespace rc
