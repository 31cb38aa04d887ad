// Contract: endpoints (store/store.h): round trip, updates, soft delete,
// pagination and tenant isolation.
#include <set>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::ElementsAreArray;

void expect_same_endpoint(const Endpoint& got, const Endpoint& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.enabled, want.enabled);
  EXPECT_EQ(got.secret, want.secret);
  EXPECT_EQ(got.previous_secret, want.previous_secret);
  EXPECT_EQ(got.previous_secret_expires_at, want.previous_secret_expires_at);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
}

std::vector<std::string> endpoint_ids(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> ids;
  ids.reserve(endpoints.size());
  for (const auto& e : endpoints) ids.push_back(e.id);
  return ids;
}

TEST_P(StoreContractTest, CreateAndGetEndpoint) {
  Endpoint e = new_endpoint(a_.id);
  e.enabled = false;
  e.description = "";
  ASSERT_TRUE(store().create_endpoint(e));
  auto got = store().get_endpoint(a_.id, e.id);
  ASSERT_TRUE(got) << got.status().to_string();
  expect_same_endpoint(*got, e);
}

TEST_P(StoreContractTest, DuplicateEndpointIdIsAlreadyExists) {
  Endpoint again = ep_a_;
  again.url = "https://other.example.com/";
  EXPECT_EQ(store().create_endpoint(again).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().get_endpoint(a_.id, ep_a_.id)->url, ep_a_.url);
}

TEST_P(StoreContractTest, EndpointOfMissingAccountIsNotFound) {
  Endpoint e = new_endpoint(new_id(id_prefix::kAccount));
  EXPECT_EQ(store().create_endpoint(e).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ForeignOrMissingEndpointIsNotFound) {
  EXPECT_EQ(store().get_endpoint(b_.id, ep_a_.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().get_endpoint(a_.id, new_id(id_prefix::kEndpoint)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, UpdateEndpointWritesItsFields) {
  Endpoint e = ep_a_;
  e.url = "http://new.example.com/in";
  e.description = "rotated, disabled";
  e.enabled = false;
  e.previous_secret = e.secret;
  e.previous_secret_expires_at = tick() + std::chrono::hours(24);
  e.secret = "whsec_new";
  e.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(e));
  auto got = store().get_endpoint(a_.id, e.id);
  ASSERT_TRUE(got);
  expect_same_endpoint(*got, e);

  // And back: the previous secret can be cleared.
  e.previous_secret.reset();
  e.previous_secret_expires_at.reset();
  e.enabled = true;
  e.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(e));
  expect_same_endpoint(*store().get_endpoint(a_.id, e.id), e);
}

TEST_P(StoreContractTest, ForeignOrMissingEndpointCannotBeUpdated) {
  Endpoint hijack = ep_a_;
  hijack.account_id = b_.id;
  hijack.url = "https://evil.example.com/";
  EXPECT_EQ(store().update_endpoint(hijack).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().get_endpoint(a_.id, ep_a_.id)->url, ep_a_.url);
  EXPECT_EQ(store().update_endpoint(new_endpoint(a_.id)).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, DeletedEndpointIsNotFoundButItsEventsStayReadable) {
  Event ev = add_event(ep_a_);
  ASSERT_TRUE(store().delete_endpoint(a_.id, ep_a_.id, tick()));
  EXPECT_EQ(store().get_endpoint(a_.id, ep_a_.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().list_endpoints(a_.id, std::nullopt, 50)->items.empty());
  Endpoint e = ep_a_;
  e.updated_at = tick();
  EXPECT_EQ(store().update_endpoint(e).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().delete_endpoint(a_.id, ep_a_.id, tick()).code(), StatusCode::kNotFound);

  auto got = store().get_event(a_.id, ev.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->endpoint_id, ep_a_.id);
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).endpoint(ep_a_.id))), ElementsAreArray({ev.id}));
}

TEST_P(StoreContractTest, ForeignEndpointCannotBeDeleted) {
  EXPECT_EQ(store().delete_endpoint(b_.id, ep_a_.id, tick()).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().get_endpoint(a_.id, ep_a_.id));
}

TEST_P(StoreContractTest, ListEndpointsNewestFirstInPages) {
  Account c = add_account("paged");
  std::vector<std::string> want;
  for (int i = 0; i < 7; ++i) want.insert(want.begin(), add_endpoint(c.id).id);
  std::vector<std::string> got;
  std::vector<size_t> sizes;
  std::optional<std::string> cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store().list_endpoints(c.id, cursor, 3);
    ASSERT_TRUE(page) << page.status().to_string();
    sizes.push_back(page->items.size());
    for (const auto& e : page->items) {
      got.push_back(e.id);
      EXPECT_EQ(e.account_id, c.id);
    }
    cursor = page->next_cursor;
    if (!cursor) break;
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
}

TEST_P(StoreContractTest, ListEndpointsShowsOnlyTheTenants) {
  Endpoint second = add_endpoint(a_.id);
  auto page_a = store().list_endpoints(a_.id, std::nullopt, 50);
  ASSERT_TRUE(page_a);
  EXPECT_EQ(endpoint_ids(page_a->items), (std::vector<std::string>{second.id, ep_a_.id}));
  EXPECT_FALSE(page_a->next_cursor);
  EXPECT_EQ(endpoint_ids(store().list_endpoints(b_.id, std::nullopt, 50)->items),
            (std::vector<std::string>{ep_b_.id}));
}

TEST_P(StoreContractTest, ListEndpointsRejectsAnInvalidCursor) {
  EXPECT_EQ(store().list_endpoints(a_.id, std::string("not a cursor"), 10).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace promptjang::testing
