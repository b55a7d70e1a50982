//! gRPC stubs for cordwire chutes: prost messages and tonic clients generated from `protos/`.
//!
//! The code under `src/gen/` is written by `make generate` (buf with protoc-gen-prost and
//! protoc-gen-tonic) and checked for drift by `make check-generated`; this file only lays the
//! generated files out as modules that mirror the proto packages, so that the cross-package paths
//! prost writes (`super::super::...`) resolve.

#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]

pub mod cordwire {
    /// cordwire's own options and the Jobs service (`cordwire.v1`).
    pub mod v1 {
        include!("gen/cordwire/v1/cordwire.v1.rs");
    }
    pub mod openai {
        /// The OpenAI-compatible service of the demo chute (`cordwire.openai.v1`).
        pub mod v1 {
            include!("gen/cordwire/openai/v1/cordwire.openai.v1.rs");
        }
    }
}

pub mod google {
    /// The vendored `google.api` messages (HttpRule, HttpBody), for cords that use them.
    pub mod api {
        include!("gen/google/api/google.api.rs");
    }
}

/// Shorthand for the demo chute's package.
pub use cordwire::openai::v1 as openai;
