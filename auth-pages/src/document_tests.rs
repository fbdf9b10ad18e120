//! The HTML document core renders without a template engine is byte for byte what maud
//! renders, so the built-in pages and the denial pages look the same.
#![cfg(test)]

mod tests {
    use maud::{DOCTYPE, PreEscaped, html};

    use auth_core::config::AuthConfig;
    use auth_core::http::{STYLESHEET, denial_content, document};

    /// The document as the pages built it with maud before it moved here.
    fn with_maud(cfg: &AuthConfig, title: &str, notice: Option<&str>, content: &str) -> String {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="referrer" content="same-origin";
                    title { (title) " · " (cfg.brand_text) }
                    style { (PreEscaped(STYLESHEET)) }
                }
                body {
                    main {
                        div.brand {
                            @if let Some(src) = &cfg.brand_icon_src {
                                img src=(src) alt="" width="28" height="28";
                            }
                            span { (cfg.brand_text) }
                        }
                        h1 { (title) }
                        @if let Some(n) = notice {
                            p.notice role="status" { (n) }
                        }
                        (PreEscaped(content))
                    }
                }
            }
        }
        .into_string()
    }

    #[test]
    fn same_bytes_as_maud() {
        let mut cfg = AuthConfig {
            brand_text: "A & <B> \"c\" 'd'".into(),
            ..AuthConfig::default()
        };
        for (title, notice) in [("Log in", None), ("<x> & \"y\"", Some("n < 'm' & \"o\""))] {
            assert_eq!(
                document(&cfg, title, notice, "<p>x</p>"),
                with_maud(&cfg, title, notice, "<p>x</p>")
            );
            cfg.brand_icon_src = Some("/i.png?a=1&b=\"2\"".into());
        }
        let message = "No <access> & \"that's\" it";
        let maud_content = html! { p { (message) } div.links { a href="/" { "Home" } } };
        assert_eq!(denial_content(message), maud_content.into_string());
    }
}
