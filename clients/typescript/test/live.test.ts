// The TypeScript client against a live lbaas-api (scripts/clients-test.sh sets LBAAS_URL and
// LBAAS_ADMIN_TOKEN): tenant, envelope and REST creates, reads, a page, a lost compare-and-set
// with its typed error code and the retry, deletes.
import assert from "node:assert/strict";
import { lbaas, type ErrorCode } from "../src/index.js";

const url = process.env.LBAAS_URL!;
const admin = lbaas(url, process.env.LBAAS_ADMIN_TOKEN!);

const t = await admin.POST("/v1/tenants", { body: { name: "tsclient" } });
assert.equal(t.response.status, 201);
const api = lbaas(url, t.data!.token);

// The envelope: the project sample as written, then an instance in it.
const p = await api.POST("/v1/requests", {
  body: {
    action: "create",
    type: "project",
    info: { type: "project", user: "tsclient", name: "john's project", instances: [] },
  },
});
assert.equal(p.response.status, 201);
assert.ok(p.data && p.data.status === "successful" && p.data.action === "create");
const inst = await api.POST("/v1/requests", {
  body: {
    action: "create",
    type: "instance",
    info: {
      project: "johns-project",
      name: "web",
      traffic_type: "http",
      subnet: "10.10.0.0/24",
      backend: { entities: ["10.10.0.11:8080"] },
    },
  },
});
assert.equal(inst.response.status, 202);

// An instance through REST too, in the subnet the envelope's create made.
const rest = await api.POST("/v1/projects/{project}/load-balancers", {
  params: { path: { project: "johns-project" } },
  body: { name: "api", subnet: "net-10-10-0-0-24" },
});
assert.equal(rest.response.status, 202);
assert.equal(rest.data?.url, "http://api.johns-project.tsclient.lbaas.test/");

// REST read, a typed envelope error.
const lb = await api.GET("/v1/projects/{project}/load-balancers/{load_balancer}", {
  params: { path: { project: "john's project", load_balancer: "web" } },
});
assert.equal(lb.data?.url, "http://web.johns-project.tsclient.lbaas.test/");
const missing = await api.POST("/v1/requests", {
  body: { action: "info", type: "instance", info: { project: "johns-project", name: "nope" } },
});
assert.equal(missing.response.status, 404);
const code: ErrorCode | undefined =
  missing.error && "error" in missing.error ? missing.error.error.code : undefined;
assert.equal(code, "not_found");

// A page of two, then the rest.
for (const name of ["p1", "p2", "p3"]) {
  const r = await api.POST("/v1/projects", { body: { name } });
  assert.equal(r.response.status, 201);
}
const names: string[] = [];
let cursor: string | undefined;
do {
  const { data } = await api.GET("/v1/projects", { params: { query: { limit: 2, cursor } } });
  assert.ok(data && data.items.length <= 2);
  names.push(...data.items.map((i) => i.name));
  cursor = data.next_cursor ?? undefined;
} while (cursor);
assert.deepEqual(names.sort(), ["johns-project", "p1", "p2", "p3"]);

// Compare-and-set: lose with a stale generation (typed code), retry with a fresh one.
const path = { params: { path: { project: "p1" } } };
const seen = await api.GET("/v1/projects/{project}", path);
const gen = seen.data!.generation;
assert.equal((await api.PATCH("/v1/projects/{project}", { ...path, body: { generation: gen, description: "a" } })).response.status, 200);
const lost = await api.PATCH("/v1/projects/{project}", { ...path, body: { generation: gen, description: "b" } });
assert.equal(lost.response.status, 409);
assert.equal(lost.error?.error.code, "stale_generation" satisfies ErrorCode);
const fresh = await api.GET("/v1/projects/{project}", path);
const won = await api.PATCH("/v1/projects/{project}", { ...path, body: { generation: fresh.data!.generation, description: "b" } });
assert.equal(won.data?.description, "b");

// Deletes.
const del = await api.POST("/v1/requests", {
  body: { action: "delete", type: "instance", info: { project: "johns-project", name: "web" } },
});
assert.equal(del.response.status, 202);
for (const name of ["p1", "p2", "p3"]) {
  const r = await api.DELETE("/v1/projects/{project}", { params: { path: { project: name } } });
  assert.equal(r.response.status, 204);
}
console.log("typescript client: ok");
