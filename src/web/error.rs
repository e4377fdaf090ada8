//! The web layer's one error type. A failure is said once, here, with its status; the JSON
//! API answers it as `{"error": "..."}`, a desk page as plain text (`Page`). Internal errors
//! are logged with their cause and shown to nobody.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::guard::json_error;
use crate::desk::DeskError;

#[derive(Debug)]
pub enum Error {
    BadRequest(String),
    Forbidden(String),
    /// The desk's refusals and failures, each with its own status.
    Desk(DeskError),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Desk(e) => match e {
                DeskError::Invalid(_) => StatusCode::BAD_REQUEST,
                DeskError::WrongCredentials => StatusCode::UNAUTHORIZED,
                DeskError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
                DeskError::AdminsOnly => StatusCode::FORBIDDEN,
                DeskError::NotFound(_) => StatusCode::NOT_FOUND,
                DeskError::Conflict(_) => StatusCode::CONFLICT,
                DeskError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// What the person who asked is told (an internal error is logged here, once).
    pub fn message(self) -> String {
        match self {
            Error::BadRequest(m) | Error::Forbidden(m) => m,
            Error::Desk(DeskError::Internal(e)) => {
                tracing::error!(error = %format!("{e:#}"), "request failed");
                "internal error".into()
            }
            Error::Desk(e) => e.to_string(),
        }
    }
}

impl From<DeskError> for Error {
    fn from(e: DeskError) -> Self {
        Error::Desk(e)
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Desk(DeskError::Internal(e))
    }
}

/// The JSON API's answer.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        json_error(status, &self.message())
    }
}

/// The same error for a desk page: plain text.
pub struct Page(pub Error);

impl<E: Into<Error>> From<E> for Page {
    fn from(e: E) -> Self {
        Page(e.into())
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let status = self.0.status();
        (status, self.0.message()).into_response()
    }
}
