#include "tests/support/test_certs.h"

#include <filesystem>
#include <fstream>

#include "tests/support/run_command.h"

namespace rc::testing {
namespace {

Status Run(const std::string& line) {
  CommandRun r = RunCommand(line);
  if (r.code != 0) return Internal("openssl failed (" + line + "): " + r.out);
  return Status::Ok();
}

const char kCurve[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

Result<TestCerts> MakeTestCerts(const std::string& dir, const std::string& sans,
                                const std::string& prefix) {
  std::filesystem::create_directories(dir);
  TestCerts c;
  c.dir = dir;
  const std::string p = dir + "/" + prefix;
  c.ca = p + "ca.crt";
  c.server_cert = p + "server.crt";
  c.server_key = p + "server.key";
  c.client_cert = p + "client.crt";
  c.client_key = p + "client.key";
  RC_RETURN_IF_ERROR(Run("openssl req -x509 " + std::string(kCurve) + " -keyout " + p +
                         "ca.key -out " + c.ca + " -days 2 -subj /CN=rc-test-ca" +
                         " -addext basicConstraints=critical,CA:TRUE" +
                         " -addext keyUsage=critical,keyCertSign,cRLSign 2>&1"));
  for (const auto& [cert, key, cn] : {std::tuple{c.server_cert, c.server_key, "rc-test-server"},
                                      std::tuple{c.client_cert, c.client_key, "rc-test-client"}}) {
    const std::string ext = key + ".ext";
    {
      std::ofstream out(ext);
      out << "basicConstraints=critical,CA:FALSE\n"
          << "keyUsage=critical,digitalSignature,keyEncipherment\n"
          << "extendedKeyUsage=serverAuth,clientAuth\n"
          << "subjectAltName=" << sans << "\n";
    }
    RC_RETURN_IF_ERROR(Run("openssl req " + std::string(kCurve) + " -keyout " + key + " -out " +
                           key + ".csr -subj /CN=" + cn + " 2>&1"));
    RC_RETURN_IF_ERROR(Run("openssl x509 -req -in " + key + ".csr -CA " + c.ca + " -CAkey " + p +
                           "ca.key -CAcreateserial -days 2 -extfile " + ext + " -out " + cert +
                           " 2>&1"));
  }
  return c;
}

}  // namespace rc::testing
