//! [`Client`] for an in-process axum `Router` (tower `oneshot`) and an actix-web test service
//! (`actix_web::test`).

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::{Client, Req, Resp};

/// An axum router under test.
pub struct AxumApp(pub axum::Router);

impl Client for AxumApp {
    async fn send(&self, req: Req) -> Resp {
        let mut b = axum::http::Request::builder()
            .method(req.method)
            .uri(&req.path);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let res = self
            .0
            .clone()
            .oneshot(b.body(axum::body::Body::from(req.body)).unwrap())
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

/// An actix-web service under test (from `actix_web::test::init_service`).
pub struct ActixApp<S>(pub S);

impl<S, B> Client for ActixApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn send(&self, req: Req) -> Resp {
        let mut t = actix_web::test::TestRequest::default()
            .method(req.method.parse().unwrap())
            .uri(&req.path);
        for (k, v) in &req.headers {
            t = t.append_header((k.as_str(), v.as_str()));
        }
        let res =
            actix_web::test::call_service(&self.0, t.set_payload(req.body).to_request()).await;
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = actix_web::test::read_body(res).await;
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}
