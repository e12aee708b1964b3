//! Golden files of generated code: each `tests/golden/*.wat` starts with
//! the guest bytes it was generated from (`;; code: …` at `;; ip: …`),
//! then holds the module as text: the bytes split into basic blocks, all
//! one region entered at the first. The test translates the bytes again and
//! compares; `TABVM_BLESS=1` rewrites the files instead, so a change to
//! code generation shows up in review as a diff of these files. A new case
//! is a new file with just the two header lines, blessed once.

use std::path::Path;

use iced_x86::{Decoder, DecoderOptions, FlowControl};

/// Parses the `;; name: value` header line.
fn header<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!(";; {name}: ")))
        .unwrap_or_else(|| panic!("no `;; {name}:` line"))
}

fn render(text: &str) -> String {
    let ip = u32::from_str_radix(header(text, "ip").trim_start_matches("0x"), 16).expect("hex ip");
    let code: Vec<u8> = header(text, "code")
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect();
    let insns: Vec<_> = Decoder::with_ip(32, &code, u64::from(ip), DecoderOptions::NONE)
        .into_iter()
        .collect();
    let blocks: Vec<&[_]> = insns
        .split_inclusive(|i| i.flow_control() != FlowControl::Next)
        .collect();
    let wasm = tabvm_jit::translate(&blocks).expect("the snippet translates");
    wasmparser::validate(&wasm).expect("a valid module");
    let wat = wasmprinter::print_bytes(&wasm).expect("printable");
    let head: String = text
        .lines()
        .take_while(|l| l.starts_with(";;"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{head}{wat}\n")
}

#[test]
fn generated_code_matches_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("TABVM_BLESS").is_some();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/golden") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|e| e != "wat") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let fresh = render(&text);
        if bless {
            std::fs::write(&path, fresh).expect("writable");
        } else {
            assert!(
                fresh == text,
                "{} differs from the generated code; rerun with TABVM_BLESS=1 and review the diff",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "golden files missing");
}
