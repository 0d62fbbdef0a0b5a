//! The generated Rust client (clients/rust, progenitor) against a live lbaas-api: the admin
//! makes a tenant; the tenant makes a project and an instance through the action/type envelope
//! and through REST, reads them, pages a list, loses a compare-and-set (a typed
//! `ErrorCode::StaleGeneration`) and retries, and deletes.

use lbaas_client::types::{self, ErrorCode};
use lbaas_client::{Client, Error};

fn client(base: &str, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let auth = format!("Bearer {token}").parse().expect("header value");
    headers.insert(reqwest::header::AUTHORIZATION, auth);
    let http = reqwest::Client::builder().default_headers(headers).build().expect("client");
    Client::new_with_client(base, http)
}

/// The typed error code of a refused REST call.
fn code<T>(r: Result<T, Error<types::ErrorBody>>) -> ErrorCode {
    match r {
        Err(Error::ErrorResponse(rv)) => rv.into_inner().error.code,
        Err(e) => panic!("not an API error: {e}"),
        Ok(_) => panic!("the call succeeded"),
    }
}

#[tokio::test]
async fn a_tenant_through_the_generated_rust_client() {
    let dir =
        std::env::temp_dir().join(format!("lbaas-rsclient-{}", uuid::Uuid::new_v4().simple()));
    let api = lbaas_tests::spawn_api(&dir).await;
    let admin = client(&api.base, &api.admin);
    let created = admin
        .tenant_create(&types::TenantCreate { name: "rsclient".into(), quotas: None })
        .await
        .expect("tenant create")
        .into_inner();
    let c = client(&api.base, &created.token);

    // The envelope: the project sample as its first users write it, then an instance.
    let sample = types::ProjectCreateRequest {
        action: types::ActionCreate::Create,
        type_: types::TypeProject::Project,
        info: types::EnvelopeProjectCreate {
            name: "john's project".into(),
            user: Some("rsclient".into()),
            type_: Some("project".into()),
            instances: Some(vec![]),
            description: None,
            display_name: None,
        },
    };
    let reply = c.envelope_post(&sample.into()).await.expect("project create").into_inner();
    let types::EnvelopeResponse::ProjectCreateReply(p) = reply else { panic!("{reply:?}") };
    assert_eq!(
        (p.info.name.as_str(), p.info.display_name.as_str()),
        ("johns-project", "john's project")
    );

    let create = types::InstanceCreateRequest {
        action: types::ActionCreate::Create,
        type_: types::TypeInstance::Instance,
        info: types::EnvelopeInstanceCreate {
            project: "john's project".into(),
            name: "web".into(),
            traffic_type: "http".into(),
            subnet: "10.10.0.0/24".into(),
            backend: types::EnvelopeBackend {
                entities: vec!["10.10.0.11:8080".into()],
                health_check: None,
                auto_scaling: None,
                rules: None,
            },
            algorithm: None,
            description: None,
            port: None,
            certificates: None,
            redirect_http: None,
        },
    };
    let reply = c.envelope_post(&create.into()).await.expect("instance create");
    assert_eq!(reply.status().as_u16(), 202);
    let lb = c.load_balancer_view("johns-project", "web").await.expect("view").into_inner();
    assert_eq!(lb.url, "http://web.johns-project.rsclient.lbaas.test/");

    // An instance through REST too, in the subnet the envelope's create made.
    let body = types::LoadBalancerCreate {
        name: "api".into(),
        subnet: "net-10-10-0-0-24".into(),
        auto_scaling: None,
        description: None,
        max_nodes: None,
        min_nodes: None,
    };
    let rest = c.load_balancer_create("johns-project", None, &body).await.expect("REST create");
    assert_eq!(rest.status().as_u16(), 202);
    assert_eq!(rest.into_inner().url, "http://api.johns-project.rsclient.lbaas.test/");

    // A typed error inside an envelope.
    let missing = types::InstanceInfoRequest {
        action: types::ActionInfo::Info,
        type_: types::TypeInstance::Instance,
        info: types::EnvelopeInstanceKey { project: "johns-project".into(), name: "nope".into() },
    };
    match c.envelope_post(&missing.into()).await {
        Err(Error::ErrorResponse(rv)) => match rv.into_inner() {
            types::EnvelopeResponse::EnvelopeFail(f) => {
                assert_eq!(f.error.code, ErrorCode::NotFound)
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }

    // REST: three more projects, paged two at a time.
    for name in ["p1", "p2", "p3"] {
        let body =
            types::ProjectCreate { name: name.into(), display_name: None, description: None };
        c.project_create(&body).await.expect("project create");
    }
    let (mut names, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let page = c.project_list(cursor.as_deref(), Some(2)).await.expect("list").into_inner();
        assert!(page.items.len() <= 2);
        names.extend(page.items.into_iter().map(|p| p.name));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    names.sort();
    assert_eq!(names, ["johns-project", "p1", "p2", "p3"]);

    // Compare-and-set: lose with a stale generation, retry with a fresh one.
    let update = |generation, d: &str| types::ProjectUpdate {
        generation: Some(generation),
        description: Some(d.into()),
    };
    let g = c.project_view("p1").await.expect("view").into_inner().generation;
    c.project_update("p1", &update(g, "first")).await.expect("first write");
    assert_eq!(
        code(c.project_update("p1", &update(g, "second")).await),
        ErrorCode::StaleGeneration
    );
    let g = c.project_view("p1").await.expect("view").into_inner().generation;
    let p = c.project_update("p1", &update(g, "second")).await.expect("retry").into_inner();
    assert_eq!(p.description, "second");

    // Deletes.
    let del = types::InstanceDeleteRequest {
        action: types::ActionDelete::Delete,
        type_: types::TypeInstance::Instance,
        info: types::EnvelopeInstanceKey { project: "johns-project".into(), name: "web".into() },
    };
    assert_eq!(c.envelope_post(&del.into()).await.expect("delete").status().as_u16(), 202);
    for name in ["p1", "p2", "p3"] {
        c.project_delete(name).await.expect("project delete");
    }
    assert_eq!(code(c.project_view("p1").await), ErrorCode::NotFound);
    let _ = std::fs::remove_dir_all(&dir);
}
