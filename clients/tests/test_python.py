"""The generated Python client (clients/python, package lbaas_client) against a live lbaas-api.

Run by scripts/clients-test.sh with LBAAS_URL and LBAAS_ADMIN_TOKEN set. Walks what a tenant
does through the client: the admin makes a tenant; the tenant makes a project and an instance
through the action/type envelope and through REST, reads them, pages a list, loses a
compare-and-set (409 stale_generation, a typed ErrorCode) and retries, and deletes.
"""

import os
import unittest
from http import HTTPStatus

from lbaas_client import AuthenticatedClient
from lbaas_client.api.envelope import envelope_post
from lbaas_client.api.load_balancers import load_balancer_create, load_balancer_view
from lbaas_client.api.projects import (
    project_create,
    project_delete,
    project_list,
    project_update,
    project_view,
)
from lbaas_client.api.tenants import tenant_create
from lbaas_client.models import (
    ActionCreate,
    ActionDelete,
    ActionInfo,
    EnvelopeBackend,
    EnvelopeFail,
    EnvelopeInstanceCreate,
    EnvelopeInstanceKey,
    EnvelopeProjectCreate,
    ErrorBody,
    ErrorCode,
    InstanceCreateReply,
    InstanceCreateRequest,
    InstanceDeleteReply,
    InstanceDeleteRequest,
    InstanceInfoReply,
    InstanceInfoRequest,
    LoadBalancer,
    LoadBalancerCreate,
    PageProject,
    Project,
    ProjectCreate,
    ProjectCreateReply,
    ProjectCreateRequest,
    ProjectUpdate,
    TenantCreate,
    TenantCreated,
    TypeInstance,
    TypeProject,
)

URL = os.environ["LBAAS_URL"]
ADMIN = os.environ["LBAAS_ADMIN_TOKEN"]


class LiveApi(unittest.TestCase):
    def test_a_tenant_through_the_generated_client(self) -> None:
        admin = AuthenticatedClient(base_url=URL, token=ADMIN)
        r = tenant_create.sync_detailed(client=admin, body=TenantCreate(name="pyclient"))
        self.assertEqual(r.status_code, HTTPStatus.CREATED, r.content)
        assert isinstance(r.parsed, TenantCreated)
        tenant = AuthenticatedClient(base_url=URL, token=r.parsed.token)

        # The envelope: the project sample as its first users send it, then an instance.
        info = EnvelopeProjectCreate(
            name="john's project", user="pyclient", type_="project", instances=[]
        )
        body = ProjectCreateRequest(action=ActionCreate.CREATE, type_=TypeProject.PROJECT, info=info)
        r = envelope_post.sync_detailed(client=tenant, body=body)
        self.assertEqual(r.status_code, HTTPStatus.CREATED, r.content)
        assert isinstance(r.parsed, ProjectCreateReply)
        self.assertEqual(r.parsed.info.name, "johns-project")
        self.assertEqual(r.parsed.info.display_name, "john's project")

        create = InstanceCreateRequest(
            action=ActionCreate.CREATE,
            type_=TypeInstance.INSTANCE,
            info=EnvelopeInstanceCreate(
                project="john's project",
                name="web",
                traffic_type="http",
                subnet="10.10.0.0/24",
                backend=EnvelopeBackend(entities=["10.10.0.11:8080", "http://10.10.0.12:8080/"]),
            ),
        )
        r = envelope_post.sync_detailed(client=tenant, body=create)
        self.assertEqual(r.status_code, HTTPStatus.ACCEPTED, r.content)
        assert isinstance(r.parsed, InstanceCreateReply)
        self.assertEqual(r.parsed.info.url, "http://web.johns-project.pyclient.lbaas.test/")

        # Read it back, through the envelope and through REST.
        key = EnvelopeInstanceKey(project="johns-project", name="web")
        r = envelope_post.sync_detailed(
            client=tenant,
            body=InstanceInfoRequest(action=ActionInfo.INFO, type_=TypeInstance.INSTANCE, info=key),
        )
        assert isinstance(r.parsed, InstanceInfoReply), r.content
        # A URL with the root path reads back as IP:port.
        self.assertEqual(r.parsed.info.backend.entities, ["10.10.0.11:8080", "10.10.0.12:8080"])
        r = load_balancer_view.sync_detailed("johns-project", "web", client=tenant)
        assert isinstance(r.parsed, LoadBalancer), r.content
        self.assertEqual(r.parsed.provisioning_status.value, "PENDING_CREATE")

        # An instance through REST too, in the subnet the envelope's create made.
        r = load_balancer_create.sync_detailed(
            "johns-project", client=tenant, body=LoadBalancerCreate(name="api", subnet="net-10-10-0-0-24")
        )
        self.assertEqual(r.status_code, HTTPStatus.ACCEPTED, r.content)
        assert isinstance(r.parsed, LoadBalancer), r.content
        self.assertEqual(r.parsed.url, "http://api.johns-project.pyclient.lbaas.test/")

        # A typed error code, inside an envelope.
        missing = EnvelopeInstanceKey(project="johns-project", name="nope")
        r = envelope_post.sync_detailed(
            client=tenant,
            body=InstanceInfoRequest(action=ActionInfo.INFO, type_=TypeInstance.INSTANCE, info=missing),
        )
        self.assertEqual(r.status_code, HTTPStatus.NOT_FOUND)
        assert isinstance(r.parsed, EnvelopeFail), r.content
        self.assertIs(r.parsed.error.code, ErrorCode.NOT_FOUND)

        # REST: three more projects, paged two at a time.
        for name in ["p1", "p2", "p3"]:
            r = project_create.sync_detailed(client=tenant, body=ProjectCreate(name=name))
            self.assertEqual(r.status_code, HTTPStatus.CREATED, r.content)
        seen: list[str] = []
        cursor = None
        while True:
            kw = {"cursor": cursor} if cursor else {}
            r = project_list.sync_detailed(client=tenant, limit=2, **kw)
            assert isinstance(r.parsed, PageProject), r.content
            self.assertLessEqual(len(r.parsed.items), 2)
            seen += [p.name for p in r.parsed.items]
            if not r.parsed.next_cursor:
                break
            cursor = r.parsed.next_cursor
        self.assertEqual(sorted(seen), ["johns-project", "p1", "p2", "p3"])

        # Compare-and-set: the second write with the same generation loses, a re-read wins.
        r = project_view.sync_detailed("p1", client=tenant)
        assert isinstance(r.parsed, Project)
        gen = r.parsed.generation
        r = project_update.sync_detailed(
            "p1", client=tenant, body=ProjectUpdate(generation=gen, description="first")
        )
        self.assertEqual(r.status_code, HTTPStatus.OK, r.content)
        r = project_update.sync_detailed(
            "p1", client=tenant, body=ProjectUpdate(generation=gen, description="second")
        )
        self.assertEqual(r.status_code, HTTPStatus.CONFLICT)
        assert isinstance(r.parsed, ErrorBody), r.content
        self.assertIs(r.parsed.error.code, ErrorCode.STALE_GENERATION)
        fresh = project_view.sync_detailed("p1", client=tenant).parsed
        assert isinstance(fresh, Project)
        r = project_update.sync_detailed(
            "p1", client=tenant, body=ProjectUpdate(generation=fresh.generation, description="second")
        )
        assert isinstance(r.parsed, Project), r.content
        self.assertEqual(r.parsed.description, "second")

        # Deletes: the instance through the envelope, projects through REST.
        r = envelope_post.sync_detailed(
            client=tenant,
            body=InstanceDeleteRequest(action=ActionDelete.DELETE, type_=TypeInstance.INSTANCE, info=key),
        )
        self.assertEqual(r.status_code, HTTPStatus.ACCEPTED, r.content)
        assert isinstance(r.parsed, InstanceDeleteReply)
        self.assertEqual(r.parsed.info.provisioning_status.value, "PENDING_DELETE")
        for name in ["p1", "p2", "p3"]:
            r = project_delete.sync_detailed(name, client=tenant)
            self.assertEqual(r.status_code, HTTPStatus.NO_CONTENT, r.content)
        r = project_view.sync_detailed("p1", client=tenant)
        assert isinstance(r.parsed, ErrorBody)
        self.assertIs(r.parsed.error.code, ErrorCode.NOT_FOUND)


if __name__ == "__main__":
    unittest.main()
