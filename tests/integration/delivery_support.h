// Helpers shared by the delivery integration tests: ingest, read back, wait for
// a status over the real API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/http_client.h"
#include "support/test_node.h"

namespace promptjang::testing {

namespace json = boost::json;

class ApiDriver {
 public:
  ApiDriver(std::string base, std::string auth) : base_(std::move(base)), auth_(std::move(auth)) {}

  ClientResponse call(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    return http_.request(method, base_ + path, {auth_, "Content-Type: application/json"}, body);
  }
  json::value get(const std::string& path) { return json::parse(call("GET", path).body); }

  std::string endpoint(const std::string& url) {
    auto r = call("POST", "/api/v1/endpoints", json::serialize(json::object{{"url", url}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(json::parse(r.body).at("id").as_string());
  }
  std::string ingest(const std::string& ep, const std::string& body) {
    auto r = call("POST", "/api/v1/e/" + ep, body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? std::string(json::parse(r.body).at("id").as_string()) : "";
  }
  json::value event(const std::string& id) { return get("/api/v1/events/" + id); }
  std::string status(const std::string& id) {
    return std::string(event(id).at("status").as_string());
  }
  // Polls until the event has `status` (bounded); returns the event.
  json::value wait_status(const std::string& id, const std::string& status,
                          std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    json::value e;
    while (std::chrono::steady_clock::now() < deadline) {
      e = event(id);
      if (e.is_object() && e.as_object().contains("status") && e.at("status").as_string() == status)
        return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << id << " never became " << status << ": " << json::serialize(e);
    return e;
  }

 private:
  std::string base_, auth_;
  HttpClient http_;
};

}  // namespace promptjang::testing
