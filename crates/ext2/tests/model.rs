//! Random operation sequences (fixed seeds) checked step by step against an
//! in-memory model of the tree; the final image must pass `e2fsck -fn` and
//! read back the same after a remount.

mod common;

use std::collections::BTreeMap;

use common::*;
use tabvm_disk::MemoryDevice;
use tabvm_ext2::{Error, Ext2, FileType, Owner};

const WHO: Owner = Owner { uid: 3, gid: 4 };
const DIRS: [&str; 4] = ["", "/a", "/b", "/a/c"];
const NAMES: [&str; 8] = [
    "f0",
    "f1",
    "f2",
    "f3",
    "link",
    "x",
    "yy",
    "a-rather-long-name-for-an-entry",
];

#[derive(Clone, Debug, PartialEq)]
enum Node {
    File(Vec<u8>),
    Dir,
    Symlink(Vec<u8>),
}

/// Paths to inode numbers, inode numbers to contents.
#[derive(Default)]
struct Model {
    names: BTreeMap<String, u32>,
    nodes: BTreeMap<u32, Node>,
}

impl Model {
    fn links(&self, ino: u32) -> usize {
        self.names.values().filter(|&&i| i == ino).count()
    }

    fn drop_name(&mut self, path: &str) {
        let ino = self.names.remove(path).unwrap();
        if self.links(ino) == 0 {
            self.nodes.remove(&ino);
        }
    }

    fn files(&self) -> Vec<(String, u32)> {
        self.names
            .iter()
            .filter(|(_, ino)| matches!(self.nodes[ino], Node::File(_)))
            .map(|(p, i)| (p.clone(), *i))
            .collect()
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

/// One random step, checked against the model.
fn step(fs: &mut Ext2<MemoryDevice>, m: &mut Model, rng: &mut Rng, block: u32) {
    let dir_path = *pick(rng, &DIRS);
    let dir = m.names[dir_path];
    let name = *pick(rng, &NAMES);
    let path = format!("{dir_path}/{name}");
    let existing = m.names.get(&path).copied();
    match rng.below(10) {
        0 | 1 => {
            let got = fs.create(dir, name.as_bytes(), 0o640, WHO);
            match existing {
                Some(_) => assert_eq!(got, Err(Error::Exists)),
                None => {
                    let ino = got.unwrap();
                    m.names.insert(path, ino);
                    m.nodes.insert(ino, Node::File(Vec::new()));
                }
            }
        }
        2 | 3 => {
            let files = m.files();
            if files.is_empty() {
                return;
            }
            let (_, ino) = pick(rng, &files).clone();
            let off = rng.below(300_000) as usize;
            let len = rng.below(20_000) as usize;
            let data = rng.bytes(len);
            assert_eq!(fs.write(ino, off as u64, &data), Ok(data.len()));
            let Some(Node::File(c)) = m.nodes.get_mut(&ino) else {
                unreachable!()
            };
            if c.len() < off + data.len() {
                c.resize(off + data.len(), 0);
            }
            c[off..off + data.len()].copy_from_slice(&data);
        }
        4 => {
            let files = m.files();
            if files.is_empty() {
                return;
            }
            let (_, ino) = pick(rng, &files).clone();
            let size = rng.below(350_000) as usize;
            fs.truncate(ino, size as u64).unwrap();
            let Some(Node::File(c)) = m.nodes.get_mut(&ino) else {
                unreachable!()
            };
            c.resize(size, 0);
        }
        5 => {
            let got = fs.unlink(dir, name.as_bytes());
            match existing.map(|i| &m.nodes[&i]) {
                None => assert_eq!(got, Err(Error::NotFound)),
                Some(Node::Dir) => assert_eq!(got, Err(Error::IsDir)),
                Some(_) => {
                    got.unwrap();
                    m.drop_name(&path);
                }
            }
        }
        6 => {
            let files = m.files();
            if files.is_empty() {
                return;
            }
            let (_, ino) = pick(rng, &files).clone();
            let got = fs.link(ino, dir, name.as_bytes());
            match existing {
                Some(_) => assert_eq!(got, Err(Error::Exists)),
                None => {
                    got.unwrap();
                    m.names.insert(path, ino);
                }
            }
        }
        7 => {
            let (from_path, from_ino) = {
                let all: Vec<_> = m
                    .names
                    .iter()
                    .filter(|(p, _)| !p.is_empty())
                    .map(|(p, i)| (p.clone(), *i))
                    .collect();
                pick(rng, &all).clone()
            };
            let (from_dir, from_name) = from_path.rsplit_once('/').unwrap();
            let from_is_dir = m.nodes[&from_ino] == Node::Dir;
            if from_is_dir {
                return; // the fixed directories stay put; model.rs tests files
            }
            let got = fs.rename(
                m.names[from_dir],
                from_name.as_bytes(),
                dir,
                name.as_bytes(),
            );
            match existing.map(|i| (i, &m.nodes[&i])) {
                Some((_, Node::Dir)) => assert_eq!(got, Err(Error::IsDir)),
                Some((i, _)) if i == from_ino => got.unwrap(),
                other => {
                    got.unwrap();
                    if other.is_some() {
                        m.drop_name(&path);
                    }
                    m.names.remove(&from_path);
                    m.names.insert(path, from_ino);
                }
            }
        }
        8 => {
            let target = vec![b't'; 1 + rng.below(u64::from(block) + 100) as usize];
            let got = fs.symlink(dir, name.as_bytes(), &target, WHO);
            // As in Linux, an existing name is refused before the target.
            match existing {
                Some(_) => assert_eq!(got, Err(Error::Exists)),
                None if target.len() >= block as usize => assert_eq!(got, Err(Error::NameTooLong)),
                None => {
                    let ino = got.unwrap();
                    m.names.insert(path, ino);
                    m.nodes.insert(ino, Node::Symlink(target));
                }
            }
        }
        _ => {
            let files = m.files();
            if files.is_empty() {
                return;
            }
            let (p, ino) = pick(rng, &files).clone();
            let Node::File(c) = &m.nodes[&ino] else {
                unreachable!()
            };
            let off = rng.below(c.len() as u64 + 10) as usize;
            let mut buf = vec![0; rng.below(40_000) as usize];
            let n = fs.read(ino, off as u64, &mut buf).unwrap();
            let want = &c[off.min(c.len())..(off + buf.len()).min(c.len())];
            assert_eq!(&buf[..n], want, "read {p} at {off}");
        }
    }
}

/// Checks the whole tree and every node against the model.
fn check_all(fs: &mut Ext2<MemoryDevice>, m: &Model) {
    for dir_path in DIRS {
        let dir = m.names[dir_path];
        let mut ours: Vec<(String, u32)> = fs
            .readdir(dir)
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    format!("{dir_path}/{}", String::from_utf8(e.name).unwrap()),
                    e.ino,
                )
            })
            .collect();
        ours.sort();
        let want: Vec<(String, u32)> = m
            .names
            .iter()
            .filter(|(p, _)| p.rsplit_once('/').is_some_and(|(d, _)| d == dir_path))
            .map(|(p, i)| (p.clone(), *i))
            .collect();
        assert_eq!(ours, want, "listing of {dir_path:?}");
    }
    for (ino, node) in &m.nodes {
        let st = fs.stat(*ino).unwrap();
        match node {
            Node::File(c) => {
                assert_eq!(&read_all(fs, *ino), c);
                assert_eq!(st.nlink as usize, m.links(*ino));
                assert_eq!((st.uid, st.gid, st.mode), (3, 4, 0o100640));
            }
            Node::Symlink(t) => assert_eq!(&fs.readlink(*ino).unwrap(), t),
            Node::Dir => assert_eq!(st.kind(), Some(FileType::Directory)),
        }
    }
}

#[test]
fn random_operations_match_the_model() {
    let tmp = tempdir();
    for (seed, (rev, block)) in LAYOUTS.into_iter().enumerate() {
        let image = mkfs(tmp.path(), rev, block, 16384, None, &[]);
        let mut fs = mount(&image);
        let mut m = Model::default();
        m.names.insert(String::new(), fs.root());
        m.nodes.insert(fs.root(), Node::Dir);
        let lost = resolve(&mut fs, "lost+found");
        m.names.insert("/lost+found".into(), lost);
        m.nodes.insert(lost, Node::Dir);
        for d in &DIRS[1..] {
            let (parent, name) = d.rsplit_once('/').unwrap();
            let ino = fs
                .mkdir(m.names[parent], name.as_bytes(), 0o755, WHO)
                .unwrap();
            m.names.insert(d.to_string(), ino);
            m.nodes.insert(ino, Node::Dir);
        }
        let mut rng = Rng::new(1000 + seed as u64);
        for i in 0..400 {
            step(&mut fs, &mut m, &mut rng, block);
            if i % 100 == 99 {
                check_all(&mut fs, &m);
            }
        }
        let files = m.files();
        assert!(
            files.len() >= 5 && m.names.len() > files.len(),
            "a thin tree: {:?}",
            m.names
        );
        save(fs, &image);
        fsck_clean(&image);
        let mut fs = mount(&image);
        check_all(&mut fs, &m);
    }
}
