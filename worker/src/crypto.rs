//! WebCrypto from the Workers runtime: randomness and PBKDF2. Native code
//! in the runtime, so a 100,000-iteration hash costs no wasm CPU time.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, Pbkdf2Params};

use crate::error::AppError;

fn js(e: JsValue) -> AppError {
    AppError::Internal(format!("webcrypto: {e:?}"))
}

fn crypto() -> Result<Crypto, AppError> {
    Ok(Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).map_err(js)?.unchecked_into())
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>, AppError> {
    let mut bytes = vec![0u8; n];
    crypto()?.get_random_values_with_u8_array(&mut bytes).map_err(js)?;
    Ok(bytes)
}

/// A random identifier (a v4 UUID): session ids, user ids.
pub fn random_id() -> Result<String, AppError> {
    Ok(crypto()?.random_uuid())
}

/// PBKDF2-HMAC-SHA256 of `password` with `salt`, 32 bytes.
pub async fn pbkdf2_sha256(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, AppError> {
    let subtle = crypto()?.subtle();
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key_data = Uint8Array::from(password.as_bytes());
    let key: CryptoKey = JsFuture::from(subtle.import_key_with_str("raw", &key_data, "PBKDF2", false, &usages).map_err(js)?)
        .await
        .map_err(js)?
        .unchecked_into();
    let params = Pbkdf2Params::new("PBKDF2", &JsValue::from_str("SHA-256"), iterations, &Uint8Array::from(salt));
    let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &key, 256).map_err(js)?).await.map_err(js)?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// Lowercase hex SHA-256: how ingest keys are stored and looked up.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}
