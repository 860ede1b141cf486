//! What an update does to one field: `Patch` (absent, cleared or set) for single values, and
//! `AddressPatch` for a list whose first item is the primary one (a contact's emails and
//! phones), with the rule that merges a primary into a list.

/// An update to an optional field: absent, explicitly cleared with `null`, or set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// The key was absent: leave the value alone.
    #[default]
    Unchanged,
    /// The key was `null`: remove the value.
    Clear,
    /// The key had a value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the key was absent.
    pub const fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// `None` when unchanged, `Some(None)` when cleared, `Some(Some(v))` when set.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Patch::Unchanged => None,
            Patch::Clear => Some(None),
            Patch::Set(v) => Some(Some(v)),
        }
    }

    /// Borrows the set value.
    pub const fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(v),
        }
    }

    /// Maps the set value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }
}

/// A change to a list whose first item is the primary one (a contact's `emails` with
/// `email`, `phones` with `phone`). Built from the pair of keys of an update body:
///
/// | body | patch |
/// | --- | --- |
/// | neither key | `Unchanged` |
/// | the list (`[]` or `null` clears), with or without the primary | `Replace`, primary first, duplicates removed |
/// | only the primary, a value | `SetPrimary`: it becomes first; the other items stay |
/// | only the primary, `null` | `RemovePrimary`: the first item goes; the next becomes primary |
///
/// Connectors whose provider replaces the whole list on update compute it with
/// [`AddressPatch::apply`], so every connector gives the same result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AddressPatch<T> {
    /// Leave the list alone.
    #[default]
    Unchanged,
    /// The new list, primary first, without duplicates (empty clears it).
    Replace(Vec<T>),
    /// Make this item the primary; keep the others (a duplicate of it is dropped).
    SetPrimary(T),
    /// Drop the current primary; the next item, if any, becomes primary.
    RemovePrimary,
}

impl<T: PartialEq> AddressPatch<T> {
    /// Whether the list is left alone.
    pub const fn is_unchanged(&self) -> bool {
        matches!(self, AddressPatch::Unchanged)
    }

    /// The list after the change, given the stored list (primary first).
    pub fn apply(self, current: Vec<T>) -> Vec<T> {
        match self {
            AddressPatch::Unchanged => current,
            AddressPatch::Replace(list) => list,
            AddressPatch::SetPrimary(primary) => primary_first(Some(primary), current),
            AddressPatch::RemovePrimary => current.into_iter().skip(1).collect(),
        }
    }
}

/// `primary` then `rest`, keeping the first occurrence of each item. Items compare exactly:
/// emails are already normalised (domain lower-cased) and phones are E.164.
pub(crate) fn primary_first<T: PartialEq>(primary: Option<T>, rest: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(rest.len() + 1);
    for item in primary.into_iter().chain(rest) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
