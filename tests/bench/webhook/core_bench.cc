// The mutation core alone, one thread, no TLS, no HTTP: how long one
// admission of a review file takes (decode -> BuildPatch -> encode). Separates
// the core's cost from the server's on a machine whose cores are shared.
// usage: webhook_core_bench REVIEW_JSON [SECONDS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "webhook/admission_handler.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s REVIEW_JSON [SECONDS]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string body = buffer.str();
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  rc::webhook::InjectionOptions options;
  rc::webhook::HandlerReply first = rc::webhook::HandleAdmissionBody(body, options);
  if (first.http_status != 200 || first.outcome != "patched") {
    std::fprintf(stderr, "the review was not patched (%d %s)\n", first.http_status,
                 first.outcome.c_str());
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  long ops = 0;
  size_t bytes = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    for (int i = 0; i < 100; ++i)
      bytes += rc::webhook::HandleAdmissionBody(body, options).body.size();
    ops += 100;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "core: %.1f us/admission, %.0f admissions/s on one core (%zu bytes in, %zu out, %zu patch "
      "ops)\n",
      elapsed * 1e6 / static_cast<double>(ops), static_cast<double>(ops) / elapsed, body.size(),
      bytes / static_cast<size_t>(ops), first.patch_operations);
  return 0;
}
