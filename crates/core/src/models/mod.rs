//! The five unified models. Each module holds the model's read fields (what a `Resource`
//! carries), its select enums, its field table, and its write inputs with their parsers
//! (contacts keep theirs in `contact_input`, for the rules that tie fields together).

pub mod call;
pub mod contact;
pub mod contact_input;
pub mod transcript;
pub mod user;
pub mod workspace;

pub use call::{CallCreate, CallDirection, CallFields, CallStatus, CallUpdate};
pub use contact::{ContactFields, ContactVisibility};
pub use contact_input::{ContactCreate, ContactScope, ContactUpdate};
pub use transcript::{Moment, Segment, Speaker, SpeakerOrigin, TranscriptFields};
pub use user::{UserCreate, UserFields, UserStatus, UserUpdate};
pub use workspace::{WorkspaceCreate, WorkspaceFields, WorkspaceStatus, WorkspaceUpdate};
