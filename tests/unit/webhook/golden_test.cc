// Golden tests of the mutation core: each testdata/NAME.in.json (an
// AdmissionReview plus options) must produce testdata/NAME.out.json (the
// answer and the StatefulSet after the patch is applied). Regenerate with
//   RC_UPDATE_GOLDENS=1 ctest -R WebhookGolden
// then review the diff (`git diff tests/unit/webhook/testdata`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/webhook/admission_fixture.h"
#include "tests/unit/webhook/k8s_rules.h"

namespace rc::webhook::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kTestdata = RC_WEBHOOK_TESTDATA;

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return json::parse(in);
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kTestdata)) {
    std::string file = entry.path().filename().string();
    const std::string suffix = ".in.json";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// What a reviewer wants to see: the answer, the touched paths, the result.
json Summarise(const AdmissionRun& run) {
  json out = {{"httpStatus", run.http_status}, {"allowed", run.response.value("allowed", false)}};
  if (run.response.contains("status")) out["status"] = run.response["status"];
  if (run.response.contains("warnings")) out["warnings"] = run.response["warnings"];
  json ops = json::array();
  for (const json& op : run.patch)
    ops.push_back(op["op"].get<std::string>() + " " + op["path"].get<std::string>());
  out["patchOperations"] = ops;
  if (!run.patch.empty()) out["patched"] = run.patched;
  return out;
}

class WebhookGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WebhookGolden, MatchesGoldenAndIsValidAndIdempotent) {
  const std::string name = GetParam();
  json input = ReadJson(kTestdata / (name + ".in.json"));
  InjectionOptions options = OptionsFromJson(input.value("options", json()));
  AdmissionRun run = RunAdmission(input.at("review"), options);
  ASSERT_EQ(run.http_status, 200);
  EXPECT_EQ(run.response.at("uid"), input["review"]["request"]["uid"]) << "uid must be echoed";

  json summary = Summarise(run);
  const fs::path golden = kTestdata / (name + ".out.json");
  if (std::getenv("RC_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(golden) << summary.dump(2) << "\n";
  }
  ASSERT_TRUE(fs::exists(golden)) << "missing " << golden << "; run with RC_UPDATE_GOLDENS=1";
  json expected = ReadJson(golden);
  EXPECT_EQ(summary, expected) << "golden differs; diff (expected -> actual):\n"
                               << json::diff(expected, summary).dump(2);

  if (run.patch.empty()) return;
  // The result must be something the API server accepts.
  for (const std::string& error : ValidateStatefulSet(run.patched)) ADD_FAILURE() << error;
  // UPDATE never touches the immutable podManagementPolicy.
  if (input["review"]["request"]["operation"] == "UPDATE") {
    for (const json& op : run.patch) EXPECT_NE(op["path"], "/spec/podManagementPolicy");
  }
  // Run on its own output (as the API server's reinvocation or a later
  // UPDATE would), raw and with server defaults added: no patch, same answer.
  for (const json& object : {run.patched, ApplyServerDefaults(run.patched)}) {
    AdmissionRun again = RunAdmission(MakeReview(object, "UPDATE"), options);
    ASSERT_EQ(again.http_status, 200);
    EXPECT_TRUE(again.response.value("allowed", false));
    EXPECT_TRUE(again.patch.empty()) << "not idempotent:\n" << again.patch.dump(2);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, WebhookGolden, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string id = param.param;
                           std::replace(id.begin(), id.end(), '-', '_');
                           return id;
                         });

}  // namespace
}  // namespace rc::webhook::testing
