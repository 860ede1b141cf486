//! The path a proxied call may take. The upstream URL is the connector's fixed base plus
//! the caller's raw path and query, appended as sent (never decoded, never re-encoded), so
//! anything that could make a URL parser or the upstream resolve it somewhere else is
//! refused up front: dot segments, encoded dots, slashes, backslashes or percent signs
//! (double encoding), empty segments (`//host`), `@`, `\`, `:` (absolute URLs).

/// Why a path was refused (the message a caller sees).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Nothing after the proxy prefix.
    #[error("the path after the proxy prefix is empty")]
    Empty,
    /// `.` or `..` as a segment.
    #[error("the path has a `.` or `..` segment")]
    DotSegment,
    /// `%2e`, `%2f`, `%5c` or `%25` (any case).
    #[error("the path has an encoded dot, slash, backslash or percent sign")]
    EncodedSeparator,
    /// `//`, an empty segment.
    #[error("the path has an empty segment (`//`)")]
    EmptySegment,
    /// `@`, `\`, `:` or a byte a URL path never carries raw.
    #[error("the path has a character the proxy does not forward (`@`, `\\`, `:`)")]
    ForbiddenCharacter,
    /// A `%` not followed by two hex digits.
    #[error("the path has a malformed percent-encoding")]
    BadEncoding,
}

/// Checks `path` (the raw path after the proxy prefix, starting with `/`) and returns it.
pub fn check(path: &str) -> Result<&str, PathError> {
    let bytes = path.as_bytes();
    if bytes.len() < 2 || bytes[0] != b'/' {
        return Err(PathError::Empty);
    }
    // One pass; a dot segment is reported only if nothing else is wrong, as the other
    // errors say more.
    let mut i = 0;
    let mut segment = 0;
    let mut dot_segment = false;
    while i < bytes.len() {
        match bytes[i] {
            b'@' | b'\\' | b':' => return Err(PathError::ForbiddenCharacter),
            b'/' if bytes.get(i + 1) == Some(&b'/') => return Err(PathError::EmptySegment),
            b'/' => {
                dot_segment |= is_dots(&bytes[segment..i]);
                segment = i + 1;
            }
            b'%' => {
                let (Some(h), Some(l)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
                    return Err(PathError::BadEncoding);
                };
                if !h.is_ascii_hexdigit() || !l.is_ascii_hexdigit() {
                    return Err(PathError::BadEncoding);
                }
                let decoded = (hex(*h) << 4) | hex(*l);
                if matches!(
                    decoded,
                    b'.' | b'/' | b'\\' | b'%' | b'@' | b':' | b'?' | b'#'
                ) || decoded < 0x20
                    || decoded == 0x7f
                {
                    return Err(PathError::EncodedSeparator);
                }
                i += 2;
            }
            b if b <= 0x20 || b >= 0x7f => return Err(PathError::ForbiddenCharacter),
            _ => {}
        }
        i += 1;
    }
    if dot_segment || is_dots(&bytes[segment..]) {
        return Err(PathError::DotSegment);
    }
    Ok(path)
}

fn is_dots(segment: &[u8]) -> bool {
    segment == b"." || segment == b".."
}

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_paths_pass_as_sent() {
        for ok in [
            "/api/v2/users",
            "/api/v2/users/",
            "/api/v2/contacts/shared%20contact",
            "/api/v2/users/12/caller_id",
            "/a/.hidden/..x/x..",
        ] {
            assert_eq!(check(ok), Ok(ok));
        }
    }

    #[test]
    fn every_escape_trick_is_refused() {
        let cases = [
            ("", PathError::Empty),
            ("/", PathError::Empty),
            ("api/v2", PathError::Empty),
            ("/api/../admin", PathError::DotSegment),
            ("/api/./v2", PathError::DotSegment),
            ("/..", PathError::DotSegment),
            ("/api/v2/..", PathError::DotSegment),
            ("/api/%2e%2e/admin", PathError::EncodedSeparator),
            ("/api/%2E%2E/admin", PathError::EncodedSeparator),
            ("/api/.%2e/admin", PathError::EncodedSeparator),
            ("/api/../%2e", PathError::EncodedSeparator),
            ("/./x", PathError::DotSegment),
            ("/x/.", PathError::DotSegment),
            ("/api%2fv2", PathError::EncodedSeparator),
            ("/api%2Fv2", PathError::EncodedSeparator),
            ("/api%5cv2", PathError::EncodedSeparator),
            ("/api/%252e%252e/x", PathError::EncodedSeparator),
            ("/api/%40evil", PathError::EncodedSeparator),
            ("/api/%00", PathError::EncodedSeparator),
            ("//evil.example/x", PathError::EmptySegment),
            ("/api//v2", PathError::EmptySegment),
            ("/user@evil.example", PathError::ForbiddenCharacter),
            ("/api\\..\\x", PathError::ForbiddenCharacter),
            ("/http://evil.example/", PathError::ForbiddenCharacter),
            ("/https:evil.example", PathError::ForbiddenCharacter),
            ("/api/%zz", PathError::BadEncoding),
            ("/api/%2", PathError::BadEncoding),
        ];
        for (path, error) in cases {
            assert_eq!(check(path), Err(error), "{path}");
        }
    }
}
