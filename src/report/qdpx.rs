//! REFI-QDA exports: `study.qdpx` (a zip with `project.qde` and the sources as plain text)
//! and `codebook.qdc`, so the coding opens in NVivo, ATLAS.ti, MAXQDA or QualCoder.
//!
//! Schemas: `urn:QDA-XML:project:1.0` and `urn:QDA-XML:codebook:1.0` (REFI-QDA 1.0, 2019).
//! The project holds the codebook (families as uncodable parents, codes nested by their
//! `parent`), participants as cases with persona and every attribute as text variables, one
//! text source per interview (its document text, `sources/<guid>.txt`), and one
//! `PlainTextSelection` per passage with evidence, carrying one `Coding` per evidence tag.
//! Negated and vetoed mentions are not evidence and are not exported as codings.
//!
//! Invariants: `startPosition`/`endPosition` count characters (Unicode scalar values) into the
//! source text, so slicing the source by them gives the passage exactly; every GUID is derived
//! from a hash of what it names, so the same study exports the same GUIDs every time; the
//! output holds no date or time, so it is byte-for-byte reproducible.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Seek, Write as _};
use std::path::Path;

use super::escape::xml;
use crate::error::{Error, Result};
use crate::lexicon::{Code, Lexicon};
use crate::model::CodedInterview;
use crate::model::{Family, InterviewMeta};

/// The project file name.
pub(super) const PROJECT_FILE: &str = "study.qdpx";
/// The codebook file name.
pub(super) const CODEBOOK_FILE: &str = "codebook.qdc";

const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// A stable GUID for the thing of `kind` named `key`: the first 16 bytes of a BLAKE3 hash,
/// formatted as an RFC 9562 version 8 (custom) UUID.
pub fn guid(kind: &str, key: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"pith:");
    hasher.update(kind.as_bytes());
    hasher.update(b"\0");
    hasher.update(key.as_bytes());
    let hash = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash.as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    out
}

fn family_color(f: Family) -> &'static str {
    match f {
        Family::Responsibility => "#4e79a7",
        Family::Reward => "#59a14f",
        Family::Risk => "#e15759",
        Family::Need => "#f28e2b",
        Family::Job => "#76b7b2",
        Family::Trigger => "#edc948",
        Family::Ecosystem => "#b07aa1",
        Family::Uncertainty => "#9c755f",
        Family::Journey => "#86bcb6",
        Family::Role => "#bab0ac",
        Family::Relation => "#d4a6c8",
    }
}

/// The `<Codes>` element: families as uncodable roots, codes nested under their parent.
fn codes_xml(lexicon: &Lexicon, indent: &str) -> String {
    let codes = lexicon.codes();
    let mut children: BTreeMap<&str, Vec<&Code>> = BTreeMap::new();
    for code in codes {
        let parent = code.parent.as_str();
        // A parent is the family or a code whose id is a strict prefix: no cycles.
        let key = if parent.len() < code.id.as_str().len() { parent } else { code.family().as_str() };
        children.entry(key).or_default().push(code);
    }
    fn node(out: &mut String, children: &BTreeMap<&str, Vec<&Code>>, code: &Code, depth: usize, indent: &str) {
        let pad = format!("{indent}{}", "  ".repeat(depth));
        let _ = write!(
            out,
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\" color=\"{}\">\n{pad}  <Description>{}</Description>\n",
            guid("code", code.id.as_str()),
            xml(&format!("{} ({})", code.label, code.id)),
            family_color(code.family()),
            xml(&code.description),
        );
        for child in children.get(code.id.as_str()).into_iter().flatten() {
            node(out, children, child, depth + 1, indent);
        }
        let _ = writeln!(out, "{pad}</Code>");
    }
    let mut out = format!("{indent}<Codes>\n");
    for family in Family::EVERY {
        let Some(top) = children.get(family.as_str()) else { continue };
        let _ = writeln!(
            out,
            "{indent}  <Code guid=\"{}\" name=\"{}\" isCodable=\"false\" color=\"{}\">",
            guid("code", family.as_str()),
            xml(family.title()),
            family_color(family),
        );
        for code in top {
            node(&mut out, &children, code, 2, indent);
        }
        let _ = writeln!(out, "{indent}  </Code>");
    }
    let _ = writeln!(out, "{indent}</Codes>");
    out
}

/// `codebook.qdc`: the lexicon's codes as a REFI-QDA codebook.
pub(super) fn codebook(lexicon: &Lexicon) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"pith {}\">\n{}</CodeBook>\n",
        env!("CARGO_PKG_VERSION"),
        codes_xml(lexicon, "  ")
    )
}

/// Builds `study.qdpx` while interviews stream by: each interview's document text goes into
/// the zip (a temporary file in the output folder) as soon as it arrives and its selections,
/// already compressed, into a spill file, so memory holds only the case list; [`Builder::finish`]
/// adds `project.qde` (its head, the spilled selections and its tail as one deflate stream).
pub struct Builder {
    zip: zip::ZipWriter<std::io::BufWriter<Sink>>,
    sources: std::io::BufWriter<std::fs::File>,
    /// The spilled selections, as pieces of `project.qde`.
    spilled: Joined,
    /// Participant → their case.
    cases: BTreeMap<String, Case>,
    variables: Vec<String>,
    user: String,
}

/// A participant: the attributes of their first interview, and every source of theirs.
struct Case {
    attributes: Vec<(String, String)>,
    sources: Vec<String>,
}

/// The persona briefs and the attribute their groups are values of.
pub struct Brief<'a> {
    /// The briefs.
    pub personas: &'a [crate::aggregate::PersonaBrief],
    /// The attribute interviews were grouped by.
    pub by: &'a str,
}

/// The briefs' statements as notes, and per group a set of its sources and notes.
fn brief_xml(brief: Brief<'_>, cases: &BTreeMap<String, Case>, user: &str) -> String {
    let mut notes = String::new();
    let mut sets = String::new();
    for b in brief.personas {
        let set_guid = guid("brief", &b.persona);
        let _ = writeln!(sets, "    <Set guid=\"{set_guid}\" name=\"{}\">", xml(&format!("Brief: {}", b.persona)));
        let _ = writeln!(
            sets,
            "      <Description>{}</Description>",
            xml(&format!("The interviews and statements of {}'s brief.", b.persona))
        );
        for case in cases
            .values()
            .filter(|c| c.attributes.iter().any(|(k, v)| k.eq_ignore_ascii_case(brief.by) && *v == b.persona))
        {
            for source in &case.sources {
                let _ = writeln!(sets, "      <MemberSource targetGUID=\"{}\"/>", guid("source", source));
            }
        }
        let statements = b.differences.iter().map(|d| ("Core difference", d.text.clone(), Vec::new())).chain(
            b.sections
                .iter()
                .flat_map(|s| s.statements.iter().map(|st| (s.title.as_str(), st.text.clone(), st.evidence.clone()))),
        );
        for (k, (section, text, evidence)) in statements.enumerate() {
            let note_guid = guid("brief-note", &format!("{}\u{0}{k}", b.persona));
            let ids: Vec<String> =
                evidence.iter().flat_map(|e| e.passages.iter().map(move |p| format!("{} ¶{p}", e.interview))).collect();
            let content = if ids.is_empty() { text } else { format!("{text}\nEvidence: {}", ids.join("; ")) };
            let _ = writeln!(
                notes,
                "    <Note guid=\"{note_guid}\" name=\"{}\" creatingUser=\"{user}\">\n      <PlainTextContent>{}</PlainTextContent>\n    </Note>",
                xml(&format!("{}: {section}", b.persona)),
                xml(&content)
            );
            let _ = writeln!(sets, "      <MemberNote targetGUID=\"{note_guid}\"/>");
        }
        let _ = writeln!(sets, "    </Set>");
    }
    if notes.is_empty() {
        return String::new();
    }
    format!("  <Notes>\n{notes}  </Notes>\n  <Sets>\n{sets}  </Sets>\n")
}

fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::io(PROJECT_FILE, e),
        e => Error::Invalid(format!("cannot build {PROJECT_FILE}: {e}")),
    }
}

fn zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default())
}

impl Builder {
    /// Starts a project whose zip is written to a temporary file in `out`.
    pub fn new(out: &Path) -> Result<Builder> {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let file = crate::fsutil::temporary_in(out).map_err(|e| Error::io(out, e))?;
        let spill = tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(Builder {
            zip: zip::ZipWriter::new(std::io::BufWriter::new(Sink { inner: file, failed: false })),
            sources: std::io::BufWriter::new(spill),
            spilled: Joined::default(),
            cases: BTreeMap::new(),
            variables: vec!["persona".to_string()],
            user: user(),
        })
    }

    /// Adds one interview: its source text and coded selections (made by [`part`]), its case.
    pub fn add(&mut self, meta: &InterviewMeta, part: Part) -> Result<()> {
        let source = zip::ZipArchive::new(std::io::Cursor::new(part.zip)).map_err(zip_error)?;
        self.zip.merge_archive(source).map_err(zip_error)?;
        for (k, _) in &meta.attributes {
            if !self.variables.iter().any(|v| v.eq_ignore_ascii_case(k)) {
                self.variables.push(k.clone());
            }
        }
        let case = self.cases.entry(meta.participant.clone()).or_insert_with(|| {
            let mut attributes = vec![("persona".to_string(), meta.persona.clone())];
            attributes.extend(meta.attributes.iter().cloned());
            Case { attributes, sources: Vec::new() }
        });
        case.sources.push(meta.source.clone());
        self.sources.write_all(&part.xml.bytes).map_err(|e| Error::io(PROJECT_FILE, e))?;
        self.spilled.add(&part.xml);
        Ok(())
    }

    /// Writes `project.qde` (codebook, variables, cases, sources) and gives the finished zip,
    /// still a temporary file, to be renamed into place.
    pub fn finish(
        mut self,
        study: &str,
        lexicon: &Lexicon,
        brief: Option<Brief<'_>>,
    ) -> Result<tempfile::NamedTempFile> {
        let user = self.user.clone();
        let mut head = String::new();
        let _ = write!(
            head,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"{PROJECT_NS}\" name=\"{}\" origin=\"pith {}\" creatingUserGUID=\"{user}\">\n  <Users>\n    <User guid=\"{user}\" name=\"pith\"/>\n  </Users>\n  <CodeBook>\n{}  </CodeBook>\n",
            xml(study),
            env!("CARGO_PKG_VERSION"),
            codes_xml(lexicon, "    "),
        );
        let _ = writeln!(head, "  <Variables>");
        for v in &self.variables {
            let _ = writeln!(
                head,
                "    <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"Text\"/>",
                guid("variable", &v.to_ascii_lowercase()),
                xml(v)
            );
        }
        let _ = writeln!(head, "  </Variables>");
        if !self.cases.is_empty() {
            let _ = writeln!(head, "  <Cases>");
            for (participant, Case { attributes, sources }) in &self.cases {
                let _ =
                    writeln!(head, "    <Case guid=\"{}\" name=\"{}\">", guid("case", participant), xml(participant));
                for v in &self.variables {
                    if let Some((_, value)) = attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(v)) {
                        let _ = writeln!(
                            head,
                            "      <VariableValue>\n        <VariableRef targetGUID=\"{}\"/>\n        <TextValue>{}</TextValue>\n      </VariableValue>",
                            guid("variable", &v.to_ascii_lowercase()),
                            xml(value)
                        );
                    }
                }
                for source in sources {
                    let _ = writeln!(head, "      <SourceRef targetGUID=\"{}\"/>", guid("source", source));
                }
                let _ = writeln!(head, "    </Case>");
            }
            let _ = writeln!(head, "  </Cases>");
        }
        let io = |e: std::io::Error| Error::io(PROJECT_FILE, e);
        let mut tail = String::new();
        if self.spilled.len > 0 {
            head.push_str("  <Sources>\n");
            tail.push_str("  </Sources>\n");
        }
        if let Some(brief) = brief {
            tail.push_str(&brief_xml(brief, &self.cases, &user));
        }
        tail.push_str("</Project>\n");
        let (head, tail) = (Deflated::piece(head.as_bytes(), false), Deflated::piece(tail.as_bytes(), true));
        let mut spill = self.sources.into_inner().map_err(|e| io(e.into_error()))?;
        spill.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
        let mut whole = Joined::default();
        whole.add(&head);
        whole.append(&self.spilled);
        whole.add(&tail);
        let Joined { crc, len, compressed } = whole;
        let limit = u64::from(u32::MAX);
        if len < limit && compressed < limit {
            let data =
                vec![Piece::Bytes(head.bytes), Piece::File(spill, self.spilled.compressed), Piece::Bytes(tail.bytes)];
            let entry = single_entry_zip("project.qde", crc.finalize(), len, data);
            let mut entry = zip::ZipArchive::new(entry).map_err(zip_error)?;
            self.zip.raw_copy_file(entry.by_index_raw(0).map_err(zip_error)?).map_err(zip_error)?;
        } else {
            // Past 4 GiB the entry needs zip64 fields: the zip crate writes them, from the text.
            let stream = std::io::Cursor::new(head.bytes).chain(spill).chain(std::io::Cursor::new(tail.bytes));
            self.zip.start_file("project.qde", zip_options().large_file(true)).map_err(zip_error)?;
            std::io::copy(&mut flate2::read::DeflateDecoder::new(stream), &mut self.zip).map_err(io)?;
        }
        let buffered = self.zip.finish().map_err(zip_error)?;
        let sink = buffered.into_inner().map_err(|e| io(e.into_error()))?;
        if sink.failed {
            return Err(Error::Invalid(format!("cannot build {PROJECT_FILE}: a write failed")));
        }
        let file = sink.inner;
        file.as_file().sync_all().map_err(io)?;
        Ok(file)
    }
}

/// A writer that, once a write has failed, takes every later one without writing. The zip
/// crate finishes an archive dropped unfinished and prints any error to stderr; after a failed
/// write (a full disk) that would only repeat the error, raw, which the caller already has.
struct Sink {
    inner: tempfile::NamedTempFile,
    failed: bool,
}

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        self.inner.as_file_mut().write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.as_file_mut().flush().inspect_err(|_| self.failed = true)
    }
}

impl Seek for Sink {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.as_file_mut().seek(pos)
    }
}

/// One interview's share of the project, made where it was coded (in parallel): its source text,
/// compressed as a one-entry zip that [`Builder::add`] copies without recompressing, and its
/// `TextSource` element with the coded selections, compressed as a piece of `project.qde`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Part {
    #[serde(with = "serde_bytes")]
    zip: Vec<u8>,
    xml: Deflated,
}

/// A piece of a raw deflate stream: pieces made with `last` false end on a byte boundary without
/// ending the stream (a sync flush), so pieces written one after the other, the last one last,
/// are one stream.
#[derive(serde::Serialize, serde::Deserialize)]
struct Deflated {
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    /// CRC-32 of the text.
    crc: u32,
    /// Length of the text.
    len: u64,
}

impl Deflated {
    fn piece(text: &[u8], last: bool) -> Deflated {
        // Writing into a Vec cannot fail.
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(1));
        let _ = encoder.write_all(text);
        let bytes = if last {
            encoder.finish().unwrap_or_default()
        } else {
            let _ = encoder.flush();
            std::mem::take(encoder.get_mut())
        };
        Deflated { bytes, crc: crc32fast::hash(text), len: text.len() as u64 }
    }
}

/// Pieces written one after another: the CRC-32 and length of their text, their length compressed.
#[derive(Clone, Default)]
struct Joined {
    crc: crc32fast::Hasher,
    len: u64,
    compressed: u64,
}

impl Joined {
    fn add(&mut self, piece: &Deflated) {
        self.crc.combine(&crc32fast::Hasher::new_with_initial_len(piece.crc, piece.len));
        self.len += piece.len;
        self.compressed += piece.bytes.len() as u64;
    }

    fn append(&mut self, other: &Joined) {
        self.crc.combine(&other.crc);
        self.len += other.len;
        self.compressed += other.compressed;
    }
}

/// A zip archive holding one deflated entry whose compressed bytes are `data`, read in place
/// (nothing is copied): how a stream compressed elsewhere enters a `ZipWriter`
/// (`raw_copy_file`), which takes compressed entries only from archives. Sizes under 4 GiB (no
/// zip64 fields); the time is the zip crate's default (1980-01-01 00:00), as for the other entries.
fn single_entry_zip(name: &str, crc: u32, len: u64, data: Vec<Piece>) -> Pieces {
    let (header, directory) = zip_frame(name, crc, len, data.iter().map(Piece::len).sum());
    let mut pieces = vec![Piece::Bytes(header)];
    pieces.extend(data);
    pieces.push(Piece::Bytes(directory));
    Pieces::new(pieces)
}

/// The archive [`single_entry_zip`] describes, in memory, `data` being the entry's bytes.
fn single_entry_zip_bytes(name: &str, crc: u32, len: u64, data: &[u8]) -> Vec<u8> {
    let (header, directory) = zip_frame(name, crc, len, data.len() as u64);
    [&header[..], data, &directory[..]].concat()
}

/// What goes before and after the compressed bytes of a one-entry zip archive: the local header,
/// then the central directory and its end record.
fn zip_frame(name: &str, crc: u32, len: u64, compressed: u64) -> (Vec<u8>, Vec<u8>) {
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let (len, compressed) = (len as u32, compressed as u32);
    let name = name.as_bytes();
    // version needed 2.0, no flags, deflate, time 00:00, date, CRC, sizes, name length, no extra.
    let mut fields = Vec::new();
    for v in [20u16, 0, 8, 0, DOS_DATE_1980_01_01] {
        fields.extend_from_slice(&v.to_le_bytes());
    }
    for v in [crc, compressed, len] {
        fields.extend_from_slice(&v.to_le_bytes());
    }
    fields.extend_from_slice(&(name.len() as u16).to_le_bytes());
    fields.extend_from_slice(&0u16.to_le_bytes());
    let mut header = 0x0403_4b50u32.to_le_bytes().to_vec();
    header.extend_from_slice(&fields);
    header.extend_from_slice(name);
    let directory_at = header.len() as u32 + compressed;
    let mut directory = 0x0201_4b50u32.to_le_bytes().to_vec();
    directory.extend_from_slice(&20u16.to_le_bytes()); // made by: MS-DOS, 2.0
    directory.extend_from_slice(&fields);
    // No comment, disk 0, no attributes, local header at offset 0.
    directory.extend_from_slice(&[0; 2 + 2 + 2 + 4 + 4]);
    directory.extend_from_slice(name);
    let directory_len = directory.len() as u32;
    directory.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, 1, 1] {
        directory.extend_from_slice(&v.to_le_bytes());
    }
    directory.extend_from_slice(&directory_len.to_le_bytes());
    directory.extend_from_slice(&directory_at.to_le_bytes());
    directory.extend_from_slice(&0u16.to_le_bytes());
    (header, directory)
}

/// A part of [`Pieces`]: bytes in memory, or the first bytes of a file (from its start).
enum Piece {
    Bytes(Vec<u8>),
    File(std::fs::File, u64),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::File(_, len) => *len,
        }
    }
}

/// Pieces read one after the other as one seekable stream.
struct Pieces {
    pieces: Vec<Piece>,
    len: u64,
    at: u64,
}

impl Pieces {
    fn new(pieces: Vec<Piece>) -> Pieces {
        Pieces { len: pieces.iter().map(Piece::len).sum(), pieces, at: 0 }
    }
}

impl std::io::Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut start = 0;
        for piece in &mut self.pieces {
            let end = start + piece.len();
            if self.at < end {
                let offset = self.at - start;
                let want = buf.len().min((end - self.at) as usize);
                let n = match piece {
                    Piece::Bytes(b) => {
                        buf[..want].copy_from_slice(&b[offset as usize..offset as usize + want]);
                        want
                    }
                    Piece::File(file, _) => {
                        file.seek(std::io::SeekFrom::Start(offset))?;
                        file.read(&mut buf[..want])?
                    }
                };
                self.at += n as u64;
                return Ok(n);
            }
            start = end;
        }
        Ok(0)
    }
}

impl std::io::Seek for Pieces {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let at = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.at.checked_add_signed(d),
        };
        self.at = at.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

/// `text` as one raw deflate stream, by libdeflate at level 1 (faster than the zip crate's
/// deflate at its fastest, and smaller: 170 against 108 MB/s, 42% against 51% of the text, on
/// the generated corpus); `None` when the text or its stream is too large for a plain zip entry.
fn deflate(text: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> =
            std::cell::RefCell::new(libdeflater::Compressor::new(
                // Level 1, not `fastest()`: that is 0, which stores the text uncompressed.
                libdeflater::CompressionLvl::new(1).unwrap_or_default(),
            ));
    }
    let limit = u32::MAX as usize;
    if text.len() >= limit {
        return None;
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let mut out = vec![0; c.deflate_compress_bound(text.len())];
        let n = c.deflate_compress(text, &mut out).ok()?;
        out.truncate(n);
        (n < limit).then_some(out)
    })
}

/// The user every selection is created by.
fn user() -> String {
    guid("user", "pith")
}

/// Makes one interview's [`Part`].
pub fn part(lexicon: &Lexicon, interview: &CodedInterview) -> Result<Part> {
    let name = format!("sources/{}.txt", guid("source", &interview.meta.source));
    let text = interview.transcript.document.as_bytes();
    let zip = match deflate(text) {
        Some(data) => single_entry_zip_bytes(&name, crc32fast::hash(text), text.len() as u64, &data),
        // Past 4 GiB (zip64), the zip crate compresses it.
        None => {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            zip.start_file(name, zip_options().large_file(true)).map_err(zip_error)?;
            zip.write_all(text).map_err(|e| Error::io(PROJECT_FILE, e))?;
            zip.finish().map_err(zip_error)?.into_inner()
        }
    };
    let mut xml = String::new();
    source_xml(&mut xml, lexicon, interview, &user());
    Ok(Part { zip, xml: Deflated::piece(xml.as_bytes(), false) })
}

fn source_xml(out: &mut String, lexicon: &Lexicon, interview: &CodedInterview, user: &str) {
    let source = &interview.meta.source;
    let source_guid = guid("source", source);
    let _ = writeln!(
        out,
        "    <TextSource guid=\"{source_guid}\" name=\"{}\" plainTextPath=\"internal://{source_guid}.txt\" creatingUser=\"{user}\">",
        xml(&interview.meta.id)
    );
    for cp in &interview.passages {
        if !cp.passage.role.is_evidence() {
            continue;
        }
        let codes: Vec<&Code> = crate::code::counted(lexicon, cp).map(|t| &lexicon.codes()[t.code]).collect();
        if codes.is_empty() {
            continue;
        }
        let key = format!("{source}\0{}", cp.passage.index);
        let name = format!("{} ¶{}", interview.meta.participant, cp.passage.index);
        let _ = writeln!(
            out,
            "      <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{}\" endPosition=\"{}\" creatingUser=\"{user}\">",
            guid("selection", &key),
            xml(&name),
            cp.passage.span.chars.start,
            cp.passage.span.chars.end
        );
        for code in codes {
            let _ = writeln!(
                out,
                "        <Coding guid=\"{}\" creatingUser=\"{user}\">\n          <CodeRef targetGUID=\"{}\"/>\n        </Coding>",
                guid("coding", &format!("{key}\0{}", code.id)),
                guid("code", code.id.as_str())
            );
        }
        let _ = writeln!(out, "      </PlainTextSelection>");
    }
    let _ = writeln!(out, "    </TextSource>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_version_8_uuids() {
        let g = guid("code", "risk.downtime");
        assert_eq!(g, guid("code", "risk.downtime"));
        assert_ne!(g, guid("code", "risk.fear"));
        assert_ne!(g, guid("source", "risk.downtime"));
        let parts: Vec<&str> = g.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('8'), "{g}");
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{g}");
        assert!(g.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
    }

    #[test]
    fn cached_parts_keep_the_layout_a_plain_byte_vector_had() {
        // serde_bytes changes how fast a part is (de)serialized, not its layout in the cache.
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Plain {
            bytes: Vec<u8>,
            crc: u32,
            len: u64,
        }
        let plain = Plain { bytes: (0..=255).collect(), crc: 7, len: 256 };
        let old = postcard::to_stdvec(&plain).unwrap();
        let piece = Deflated { bytes: plain.bytes.clone(), crc: 7, len: 256 };
        assert_eq!(postcard::to_stdvec(&piece).unwrap(), old);
        let back: Deflated = postcard::from_bytes(&old).unwrap();
        assert_eq!((back.bytes, back.crc, back.len), (plain.bytes, 7, 256));
    }

    #[test]
    fn a_source_text_is_compressed_into_a_zip_entry_that_reads_back() {
        let text = "We keep a spreadsheet of every incident, and nobody reads it.\n".repeat(200);
        let data = deflate(text.as_bytes()).unwrap();
        assert!(data.len() * 10 < text.len(), "compressed, not stored: {} of {} bytes", data.len(), text.len());
        let zip = single_entry_zip_bytes("sources/a.txt", crc32fast::hash(text.as_bytes()), text.len() as u64, &data);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut back = String::new();
        archive.by_name("sources/a.txt").unwrap().read_to_string(&mut back).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn pieces_join_into_one_deflate_stream_that_a_single_entry_zip_carries() {
        let body = "caf\u{e9} \u{2014} ".repeat(5000);
        let texts: [&[u8]; 4] = [b"<head>\n", b"", body.as_bytes(), b"</tail>\n"];
        let whole: Vec<u8> = texts.concat();
        let pieces: Vec<Deflated> =
            texts.iter().enumerate().map(|(i, t)| Deflated::piece(t, i == texts.len() - 1)).collect();
        let mut joined = Joined::default();
        for p in &pieces {
            joined.add(p);
        }
        let crc = joined.crc.finalize();
        assert_eq!(crc, crc32fast::hash(&whole));
        assert_eq!(joined.len, whole.len() as u64);
        let stream: Vec<u8> = pieces.iter().flat_map(|p| p.bytes.iter().copied()).collect();
        assert_eq!(joined.compressed, stream.len() as u64);
        // The stream's middle from a file, as the spilled selections are; more in the file than
        // the piece takes.
        let (first, rest) = stream.split_at(3);
        let (middle, last) = rest.split_at(rest.len() - 5);
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(middle).unwrap();
        file.write_all(b"not part of the entry").unwrap();
        let data =
            vec![Piece::Bytes(first.to_vec()), Piece::File(file, middle.len() as u64), Piece::Bytes(last.to_vec())];
        let entry = single_entry_zip("project.qde", crc, joined.len, data);
        let mut archive = zip::ZipArchive::new(entry).unwrap();
        assert_eq!(archive.len(), 1);
        let mut file = archive.by_name("project.qde").unwrap();
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
        let mut back = Vec::new();
        // Reading to the end checks the CRC-32 and the size in the directory.
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back, whole);
    }

    #[test]
    fn guids_carry_the_first_16_bytes_of_the_hash() {
        for (kind, key) in [("source", "transcripts/a.txt"), ("user", "pith"), ("code", "risk.downtime")] {
            let mut h = blake3::Hasher::new();
            h.update(b"pith:");
            h.update(kind.as_bytes());
            h.update(b"\0");
            h.update(key.as_bytes());
            let mut b = [0u8; 16];
            b.copy_from_slice(&h.finalize().as_bytes()[..16]);
            b[6] = (b[6] & 0x0f) | 0x80;
            b[8] = (b[8] & 0x3f) | 0x80;
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            let expected = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
            assert_eq!(guid(kind, key), expected);
        }
    }
}
