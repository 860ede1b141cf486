//! The body of a proxied request. One that is empty, or that ends within the replay
//! allowance (256 KiB by default), is read first and kept, so the call can be sent again
//! (after a refresh, or a retry). A larger one is streamed up as it arrives, never held
//! whole, and sent once: what was read so far goes first, then the rest. Either way the
//! configured maximum is enforced: by `Content-Length` up front, and while streaming.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use http_body::Body as _;
use http_body_util::{LengthLimitError, Limited};

/// The body read past the allowance was over the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body is over {max} bytes")]
pub struct TooLarge {
    /// The maximum.
    pub max: u64,
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Over the maximum.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// The caller's connection failed while sending it.
    #[error("the request body could not be read: {0}")]
    Read(axum::Error),
}

/// A request body ready to send.
#[derive(Debug)]
pub enum Outgoing {
    /// Read whole: can be sent any number of times.
    Replayable(Bytes),
    /// Streamed: can be sent once.
    Streaming(Option<Body>),
}

impl Outgoing {
    /// Reads `body` up to `replay` bytes; past that it becomes a stream limited to `max`.
    /// `declared` is the `Content-Length`, when the caller sent one.
    pub async fn prepare(
        body: Body,
        declared: Option<u64>,
        replay: usize,
        max: u64,
    ) -> Result<Self, BodyError> {
        // The body is dropped unread: the server reads it out in the background (within
        // bounds), so a caller still sending reads this 413 (`serving::Lingering`).
        if declared.is_some_and(|len| len > max) {
            return Err(TooLarge { max }.into());
        }
        if body.is_end_stream() {
            return Ok(Self::Replayable(Bytes::new()));
        }
        let mut buffered = BytesMut::new();
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(BodyError::Read)?;
            buffered.extend_from_slice(&chunk);
            if buffered.len() as u64 > max {
                return Err(TooLarge { max }.into());
            }
            if buffered.len() > replay {
                let head = futures_util::stream::once(async move { Ok(buffered.freeze()) });
                let rest = Body::from_stream(head.chain(stream));
                return Ok(Self::Streaming(Some(Body::new(Limited::new(
                    rest,
                    usize::try_from(max).unwrap_or(usize::MAX),
                )))));
            }
        }
        Ok(Self::Replayable(buffered.freeze()))
    }

    /// Whether the call can be sent again.
    pub fn replayable(&self) -> bool {
        matches!(self, Self::Replayable(_))
    }

    /// The body for one attempt (a streaming body only once).
    pub fn take(&mut self) -> Body {
        match self {
            Self::Replayable(bytes) => Body::from(bytes.clone()),
            Self::Streaming(body) => body.take().unwrap_or_else(Body::empty),
        }
    }
}

/// Whether an upstream failure was the body going over the limit while streaming.
pub fn is_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}
