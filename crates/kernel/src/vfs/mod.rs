//! The virtual file system: path resolution confined to the guest root,
//! open files and descriptor tables, pipes, devices and the console tty.

/// A file system the VFS can mount (host directory, in-memory tree, …).
pub trait FileSystem {}

/// A process's descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {}

/// Working directory, root and umask of a process.
#[derive(Clone, Default)]
pub struct FsContext {}

/// The mount table and the console: everything file-like a VM shares.
pub struct Vfs {}
