//! The files a generation reads, and positions inside them.
//!
//! Every file is read once, kept here for the whole generation (diagnostics quote its lines),
//! and listed afterwards so that front-ends can ask Cargo to rebuild when any of them changes.
//! (What several generations share, so that a file is read and parsed once, is
//! [`crate::load::Cache`]'s.)

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

/// A position range inside one file: byte offsets plus the 1-based line and column of the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte (at least `start + 1` where the file has that many).
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column (in characters) of `start`.
    pub column: usize,
}

/// One file that was read.
#[derive(Debug)]
pub struct SourceFile {
    /// The path the file was read from.
    pub path: PathBuf,
    /// The path as diagnostics show it: as the user wrote it, cleaned of `.` and `..` segments.
    pub display: String,
    /// The file's text.
    pub text: String,
    /// Byte offset of the start of every line, for finding lines and columns quickly.
    line_starts: Vec<usize>,
}

/// All files read by one generation, in the order they were read, with their texts.
///
/// Cloning is cheap (the texts are shared).
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<Arc<SourceFile>>,
    /// The files the current generation read, in reading order (a file read by an earlier
    /// generation of the same [`crate::load::Cache`] is listed again when this one reads it
    /// too).
    read: Vec<FileId>,
}

impl Files {
    /// Adds a file's text; `display` is the path diagnostics show.
    pub fn add(&mut self, path: PathBuf, display: String, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.files.push(Arc::new(SourceFile {
            path,
            display,
            text,
            line_starts,
        }));
        self.read.push(id);
        id
    }

    /// The id of a file already read from `path`, now read by the current generation too.
    pub fn reuse(&mut self, path: &Path) -> Option<FileId> {
        let id = self.find(path)?;
        if !self.read.contains(&id) {
            self.read.push(id);
        }
        Some(id)
    }

    /// Starts another generation on these files: none of them is read by it yet.
    pub fn start_generation(&mut self) {
        self.read.clear();
    }

    /// The file behind an id.
    ///
    /// Ids come only from [`Files::add`] on this value, so the index is always in range.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of a file already read from `path`.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|file| file.path == path)
            .and_then(|index| u32::try_from(index).ok())
            .map(FileId)
    }

    /// Every file the current generation read, in reading order.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.read.iter().map(|id| self.get(*id))
    }

    /// The byte offset of a 1-based `line` and a 0-based `column` counted in characters (what
    /// the YAML parser reports), clamped to the file.
    pub fn offset(&self, file: FileId, line: usize, column: usize) -> usize {
        let source = self.get(file);
        let Some(&line_start) = source.line_starts.get(line.saturating_sub(1)) else {
            return source.text.len();
        };
        let rest = &source.text[line_start..];
        line_start
            + rest
                .char_indices()
                .nth(column)
                .map_or(rest.len(), |(i, _)| i)
    }

    /// A span covering `start..end` of a file, with its line and column computed from the text.
    pub fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        let source = self.get(file);
        let text = &source.text;
        let start = floor_char_boundary(text, start.min(text.len()));
        let line_index = source
            .line_starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let line_start = source.line_starts.get(line_index).copied().unwrap_or(0);
        let column = text[line_start..start].chars().count() + 1;
        Span {
            file,
            start,
            end: end.max(start).min(text.len()),
            line: line_index + 1,
            column,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Removes `.` segments and folds `dir/..` pairs, without touching the file system, so that
/// `specs/arazzo/../openapi/x.yml` shows as `specs/openapi/x.yml`.
pub(crate) fn clean_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_paths() {
        assert_eq!(
            clean_path(Path::new("specs/arazzo/../openapi/./x.yml")),
            PathBuf::from("specs/openapi/x.yml")
        );
        assert_eq!(
            clean_path(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
        assert_eq!(clean_path(Path::new("/a/../../b")), PathBuf::from("/b"));
    }

    #[test]
    fn spans_have_lines_and_columns() {
        let mut files = Files::default();
        let id = files.add("x".into(), "x".into(), "ab\ncdé\nf".into());
        let span = files.span(id, 7, 8);
        assert_eq!((span.line, span.column), (2, 4));
        let span = files.span(id, 8, 9);
        assert_eq!((span.line, span.column), (3, 1));
    }
}
