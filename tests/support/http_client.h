// A small blocking HTTP client for tests, on libcurl's easy interface: a real
// client speaking real HTTP over loopback. One HttpClient keeps its connection
// alive between requests. Not thread-safe: one per thread.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace promptjang::testing {

struct ClientResponse {
  long status = 0;  // 0 when no answer came (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string error;                           // curl's message on a transport failure
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  ClientResponse request(const std::string& method, const std::string& url,
                         const std::vector<std::string>& headers = {},
                         const std::string& body = "");

 private:
  void* curl_;
};

}  // namespace promptjang::testing
