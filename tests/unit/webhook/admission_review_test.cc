// The AdmissionReview codec: what it accepts, what it rejects, what it writes.
#include "webhook/admission_review.h"

#include <gtest/gtest.h>

#include "webhook/base64.h"

namespace rc::webhook {
namespace {

using nlohmann::json;

json ValidReview() {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "abc"},
            {"kind", {{"group", "apps"}, {"version", "v1"}, {"kind", "StatefulSet"}}},
            {"operation", "CREATE"},
            {"name", "redis"},
            {"namespace", "demo"},
            {"object", {{"metadata", {{"name", "redis"}}}}}}}};
}

TEST(AdmissionReview, DecodesAValidRequest) {
  auto request = DecodeAdmissionReview(ValidReview().dump());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->uid, "abc");
  EXPECT_EQ(request->kind.kind, "StatefulSet");
  EXPECT_EQ(request->operation, "CREATE");
  EXPECT_EQ(request->namespace_name, "demo");
}

TEST(AdmissionReview, MalformedJsonInsideSkippedPartsIsStillRejected) {
  std::string body = ValidReview().dump();
  body.insert(body.size() - 2, R"(,"oldObject":{"a":[1,tru]})");
  auto request = DecodeAdmissionReview(body);
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.status().message().find("not valid JSON"), std::string::npos);
}

TEST(AdmissionReview, DropsManagedFieldsWhichThePatchNeverTouches) {
  json review = ValidReview();
  review["request"]["object"]["metadata"]["managedFields"] =
      json::array({{{"manager", "kubectl"}}});
  auto request = DecodeAdmissionReview(review.dump());
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->object["metadata"].contains("managedFields"));
  EXPECT_EQ(request->object["metadata"]["name"], "redis");
}

// What the mutation never reads is gone from the decoded request; everything
// else, floats and non-ASCII text included, is kept as sent.
TEST(AdmissionReview, KeepsTheObjectButWhatIsNeverRead) {
  json plain = ValidReview();
  plain["request"]["object"]["metadata"]["managedFields"] = json::array({{{"manager", "x"}}});
  plain["request"]["object"]["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", "{}"}, {"keep", "v"}};
  plain["request"]["oldObject"] = {{"a", 1}};
  for (const json& extra : {json(0.5), json("caf\xc3\xa9"), json("\x01"), json(-3)}) {
    json review = plain;
    review["request"]["object"]["spec"] = {{"x", extra}};
    auto request = DecodeAdmissionReview(review.dump());
    ASSERT_TRUE(request.ok()) << review.dump();
    json want = plain["request"]["object"];
    want["metadata"].erase("managedFields");
    want["metadata"]["annotations"] = {{"keep", "v"}};
    want["spec"] = {{"x", extra}};
    EXPECT_EQ(request->object, want) << review.dump();
  }
}

TEST(AdmissionReview, InvalidJsonIsNamedWithWhereItBroke) {
  auto request = DecodeAdmissionReview(R"({"apiVersion": tru})");
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.status().message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(request.status().message().find("column"), std::string::npos)
      << request.status().message();
}

struct BadCase {
  std::string name;
  std::string body;
  std::string message_part;
};

class AdmissionReviewBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(AdmissionReviewBadInput, IsRejectedNamingTheField) {
  auto request = DecodeAdmissionReview(GetParam().body);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(request.status().message().find(GetParam().message_part), std::string::npos)
      << request.status().message();
}

BadCase Mutated(const std::string& name, const std::string& pointer, const json& value,
                const std::string& part) {
  json review = ValidReview();
  if (value.is_null()) {
    json::json_pointer p(pointer);
    review[p.parent_pointer()].erase(p.back());
  } else {
    review[json::json_pointer(pointer)] = value;
  }
  return {name, review.dump(), part};
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, AdmissionReviewBadInput,
    ::testing::Values(BadCase{"empty", "", "not valid JSON"},
                      BadCase{"truncated", "{\"apiVersion\":", "not valid JSON"},
                      BadCase{"array", "[1,2]", "not a JSON object"},
                      BadCase{"deep", std::string(5000, '[') + std::string(5000, ']'),
                              "nests deeper"},
                      Mutated("v1beta1", "/apiVersion", "admission.k8s.io/v1beta1", "apiVersion"),
                      Mutated("no_api_version", "/apiVersion", nullptr, "apiVersion"),
                      Mutated("kind", "/kind", "Pod", "kind"),
                      Mutated("no_request", "/request", nullptr, "request"),
                      Mutated("request_string", "/request", "x", "request"),
                      Mutated("no_uid", "/request/uid", nullptr, "request.uid"),
                      Mutated("uid_number", "/request/uid", 5, "request.uid"),
                      Mutated("no_operation", "/request/operation", nullptr, "request.operation"),
                      Mutated("no_kind", "/request/kind", nullptr, "request.kind"),
                      Mutated("object_array", "/request/object", json::array(), "request.object")),
    [](const ::testing::TestParamInfo<BadCase>& param) { return param.param.name; });

TEST(AdmissionReview, EncodesAPatchAsBase64JsonPatch) {
  AdmissionResponse response;
  response.uid = "abc";
  response.patch = json::array({{{"op", "add"}, {"path", "/x"}, {"value", 1}}});
  response.warnings = {"careful"};
  json review = json::parse(EncodeAdmissionReview(response));
  EXPECT_EQ(review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(review["kind"], "AdmissionReview");
  EXPECT_EQ(review["response"]["uid"], "abc");
  EXPECT_EQ(review["response"]["allowed"], true);
  EXPECT_EQ(review["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(json::parse(*Base64Decode(review["response"]["patch"].get<std::string>())),
            response.patch);
  EXPECT_EQ(review["response"]["warnings"], json::array({"careful"}));
}

TEST(AdmissionReview, EncodesADenialWithStatusAndNoPatch) {
  AdmissionResponse response;
  response.uid = "abc";
  response.allowed = false;
  response.code = 400;
  response.message = "spec.replicas is 3";
  json review = json::parse(EncodeAdmissionReview(response));
  EXPECT_EQ(review["response"]["allowed"], false);
  EXPECT_EQ(review["response"]["status"]["code"], 400);
  EXPECT_EQ(review["response"]["status"]["message"], "spec.replicas is 3");
  EXPECT_FALSE(review["response"].contains("patch"));
}

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(Base64Encode("Man"), "TWFu");
  EXPECT_EQ(Base64Encode("Ma"), "TWE=");
  EXPECT_FALSE(Base64Decode("TWF").has_value());
  EXPECT_FALSE(Base64Decode("T=Fu").has_value());
}

}  // namespace
}  // namespace rc::webhook
