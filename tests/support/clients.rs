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

/// A server listening on a real port (an axum router served by `axum::serve`, or an
/// actix-web `HttpServer`), driven over real HTTP/1.1 connections with hyper: the same
/// scenarios as the in-process clients, through each framework's own connection handling.
pub struct LiveServer {
    base: String,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<hyper::body::Bytes>,
    >,
    stop: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

impl LiveServer {
    fn new(addr: std::net::SocketAddr, stop: Box<dyn FnOnce() + Send>) -> Self {
        LiveServer {
            base: format!("http://{addr}"),
            client: hyper_util::client::legacy::Client::builder(
                hyper_util::rt::TokioExecutor::new(),
            )
            .build_http(),
            stop: Some(stop),
        }
    }
}

/// Serves `router` on a free port of 127.0.0.1 (with the peer address, as `axum::serve`
/// gives it) until the returned server is dropped.
pub async fn serve_axum(router: axum::Router) -> LiveServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    LiveServer::new(addr, Box::new(move || task.abort()))
}

/// A listener on a free port of 127.0.0.1, for `HttpServer::listen`.
pub fn free_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

/// Runs an actix-web server (built with `HttpServer::new(..).listen(listener)?.run()`) on
/// the current actix runtime until the returned server is dropped. Call inside
/// `#[actix_web::test]`.
pub fn serve_actix(server: actix_web::dev::Server, addr: std::net::SocketAddr) -> LiveServer {
    let handle = server.handle();
    actix_web::rt::spawn(server);
    LiveServer::new(
        addr,
        Box::new(move || {
            // The stop command is sent now; its completion is not awaited.
            drop(handle.stop(false));
        }),
    )
}

impl Client for LiveServer {
    async fn send(&self, req: Req) -> Resp {
        let mut b = hyper::Request::builder()
            .method(req.method)
            .uri(format!("{}{}", self.base, req.path));
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let res = self
            .client
            .request(
                b.body(http_body_util::Full::new(hyper::body::Bytes::from(
                    req.body,
                )))
                .unwrap(),
            )
            .await
            .expect("request failed");
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
