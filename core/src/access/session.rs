//! Session tokens: `<claims, base64url JSON>.<HMAC-SHA256 of them, base64url>`.
//!
//! Signed so a client cannot forge or alter one, expiring so a stolen one
//! dies, and carrying a session id the worker checks against D1 so logout
//! revokes it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Session id: a row of the sessions table while the session lives.
    pub sid: String,
    /// User id.
    pub uid: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("session token is malformed")]
    Malformed,
    #[error("session token signature does not match")]
    BadSignature,
    #[error("session token has expired")]
    Expired,
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

pub fn sign_token(claims: &SessionClaims, secret: &[u8]) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
}

/// Checks the signature first (in constant time), then the expiry against
/// `now` (Unix seconds).
pub fn verify_token(token: &str, secret: &[u8], now: u64) -> Result<SessionClaims, TokenError> {
    let (payload, signature) = token.split_once('.').ok_or(TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    m.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    let claims: SessionClaims = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
    if now >= claims.exp {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of thirty-two bytes";

    fn claims() -> SessionClaims {
        SessionClaims { sid: "s1".into(), uid: "u1".into(), exp: 1_000 }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let token = sign_token(&claims(), SECRET);
        assert_eq!(verify_token(&token, SECRET, 999), Ok(claims()));
        assert_eq!(verify_token(&token, SECRET, 1_000), Err(TokenError::Expired));
    }

    #[test]
    fn tampering_is_detected() {
        let token = sign_token(&claims(), SECRET);
        let (_, signature) = token.split_once('.').expect("two parts");
        let forged = SessionClaims { uid: "admin".into(), ..claims() };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).expect("json"));
        assert_eq!(verify_token(&format!("{forged_payload}.{signature}"), SECRET, 0), Err(TokenError::BadSignature));
        assert_eq!(verify_token(&token, b"another secret", 0), Err(TokenError::BadSignature));
        assert_eq!(verify_token("no-dot", SECRET, 0), Err(TokenError::Malformed));
        assert_eq!(verify_token("a.!!!", SECRET, 0), Err(TokenError::Malformed));
    }
}
