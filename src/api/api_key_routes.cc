// /api/v1/api-keys: create (the full key answered once), list (prefixes only),
// revoke (refused at once on this node, within the cache TTL on others).
#include "api/context.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/serialize.h"
#include "core/ids.h"
#include "service/accounts.h"

namespace promptjang {

void add_api_key_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/api-keys",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams&) {
               auto keys = ctx.deps.store.list_api_keys(p.account.id);
               if (!keys) return status_response(keys.status());
               std::vector<std::string> items;
               for (const auto& k : *keys) items.push_back(boost::json::serialize(api_key_json(k)));
               HttpResponse r;
               r.body = list_envelope(items, std::nullopt);
               return r;
             }));
  router.add("POST", "/api/v1/api-keys",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               auto body = parse_object_body(req.body);
               if (!body) return error_response(400, "invalid_json", body.status().message());
               auto name = optional_string(*body, "name");
               if (!name) return error_response(400, "invalid_request", name.status().message());
               auto created = create_api_key(ctx.deps, p.account.id, name->value_or(""));
               if (!created) return status_response(created.status());
               boost::json::object o = api_key_json(created->record);
               o["key"] = created->key;
               return json_response(201, o);
             }));
  router.add("DELETE", "/api/v1/api-keys/{id}",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& a) {
               if (!is_well_formed_id(a[0], id_prefix::kApiKey))
                 return error_response(404, "api_key_not_found", "no such API key");
               Status s = ctx.deps.store.revoke_api_key(p.account.id, a[0], ctx.deps.clock.now());
               if (!s) return error_for(s, "api_key_not_found", "no such API key");
               ctx.keys.invalidate(a[0]);
               HttpResponse r;
               r.status = 204;
               r.content_type.clear();
               return r;
             }));
}

}  // namespace promptjang
