//! Declares the closed string enums of the wire format (model ids, statuses, origins...).
//! One macro so every such enum spells its values once and gets the same serde, schema,
//! `as_str`, `ALL` and parsing behaviour.

/// Declares a `Copy` enum whose variants serialise as the given strings.
///
/// Generates: serde (via per-variant `rename`), `utoipa::ToSchema` (a string enum),
/// `ALL`, `VALUES`, `as_str()`, `from_wire()`, and `Display`. `FromStr` is left to
/// [`impl_parse_enum!`] so a type may pick its own error.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $value)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every wire string, in declaration order.
            pub const VALUES: &'static [&'static str] = &[$($value),+];

            /// The wire string of this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value),+
                }
            }

            /// The value whose wire string is exactly `s`, if any.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s {
                    $($value => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Implements `FromStr` with [`crate::ParseEnumError`] for an enum made by [`string_enum!`].
macro_rules! impl_parse_enum {
    ($($name:ident),+ $(,)?) => {
        $(
            impl ::std::str::FromStr for $name {
                type Err = $crate::ParseEnumError;

                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Self::from_wire(s).ok_or_else(|| $crate::ParseEnumError {
                        type_name: stringify!($name),
                        value: s.to_owned(),
                        allowed: Self::VALUES,
                    })
                }
            }
        )+
    };
}

pub(crate) use {impl_parse_enum, string_enum};

/// A string that is not one of a closed enum's wire values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {type_name} `{value}`; allowed: {}", allowed.join(", "))]
pub struct ParseEnumError {
    /// The Rust name of the enum (for messages and logs).
    pub type_name: &'static str,
    /// The rejected input.
    pub value: String,
    /// The accepted wire strings.
    pub allowed: &'static [&'static str],
}
