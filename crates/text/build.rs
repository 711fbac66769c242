//! Embeds the OpenCorpora dictionary's files (from `rsmorphy-dict-ru`, as
//! cargo unpacked it) into the library, so that a `sborka` binary copied to
//! a machine without cargo's registry still finds its dictionary.

#![allow(clippy::print_stdout)]

use std::path::Path;

fn main() {
    let dir = Path::new(rsmorphy_dict_ru::DICT_PATH);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the OpenCorpora dictionary {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = String::from(
        "/// The OpenCorpora dictionary's files, embedded at build time: name, bytes.\n\
         pub(crate) const DICTIONARY: &[(&str, &[u8])] = &[\n",
    );
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path));
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("dictionary.rs");
    std::fs::write(&target, out).expect("OUT_DIR is writable");
}
