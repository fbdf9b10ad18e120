//! Reading a request body with the toolkit's limits.

use actix_web::web;
use auth_core::adapter::{DRAIN_BYTES, FormError, MAX_FORM_BYTES};
use futures_util::StreamExt;

/// The body, or [`FormError::TooLarge`] past [`MAX_FORM_BYTES`] (reading at most
/// [`DRAIN_BYTES`], so that the answer reaches the client on a cleanly closed connection).
pub(crate) async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, FormError> {
    let mut buf = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| FormError::TooLarge)?;
        if buf.len() + chunk.len() > DRAIN_BYTES {
            return Err(FormError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    if buf.len() > MAX_FORM_BYTES {
        return Err(FormError::TooLarge);
    }
    Ok(buf)
}
