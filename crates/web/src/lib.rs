//! Browser front end placeholder.
