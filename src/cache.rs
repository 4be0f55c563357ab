//! cache: what a `pith run` made of each transcript, kept until the next run, so a re-run after
//! one edit codes one transcript and reads what it made of the others.
//!
//! Takes one value per transcript (for reports: its counts, term counts and export parts), keyed
//! by the transcript's source path, its inputs (the index's input hash: content, manifest row,
//! lexicons, settings, pith's version) and what the run asks of it (the *variant*: grouping,
//! formats, [`FORMAT`]); gives it back on the next run when all of those are the same.
//!
//! One file, `STUDY/.pith/cache`: records `[key: 32 bytes][length: u32 LE][check: 8 bytes]
//! [payload]`, the payload a value in postcard, LZ4-compressed, the check its XXH3-64 hash (it
//! finds damage, a torn or corrupted record; keys, which name contents, are BLAKE3 hashes). A run
//! appends the records it makes and leaves those it reuses where they are, so a re-run after one
//! edit writes one record, not the study's. Records no run uses any more
//! stay until they weigh as much as the ones the last run used; that run then copies its records
//! into a new file and renames it into place, so the file holds at most about twice one run's
//! records (a run that makes every record anew, as after a lexicon change, compacts at once).
//! Keys name contents, so an old record is never a wrong answer. A torn tail (a killed run) is
//! cut before the next append; a damaged record fails its check and is a miss, never a misread;
//! a missing or foreign cache is an empty one: the run codes everything, as a first run would.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::study::STATE_DIR;

/// Version of the record layout and of the values pith keeps: bumped when either changes, so a
/// cache written by another build is never misread.
pub const FORMAT: u32 = 4;

/// A record's key.
pub type Key = [u8; 32];

type Check = [u8; 8];

const HEADER: u64 = 32 + 4 + 8;

fn check(payload: &[u8]) -> Check {
    xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes()
}

/// One record of this run: made now, or kept from the last run where it is in the file.
#[derive(Debug, Clone)]
pub struct Record {
    key: Key,
    check: Check,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    /// A payload to append.
    New(Vec<u8>),
    /// A record of the file: where its payload starts, and its length.
    Kept(u64, u32),
}

impl Record {
    /// The key it is kept under.
    pub fn key(&self) -> Key {
        self.key
    }
}

/// The cache of the last run, open for reading; [`Cache::writer`] starts this run's.
#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    variant: blake3::Hash,
    file: Option<Mutex<File>>,
    records: Records,
    /// Where the last whole record ends: a torn tail after it is cut before appending.
    end: u64,
}

/// The cache file of a study.
pub fn cache_path(study: &Path) -> PathBuf {
    study.join(STATE_DIR).join("cache")
}

impl Cache {
    /// Opens the cache of the study at `root` for a run asking `variant` (what the run makes of
    /// each transcript, e.g. its grouping and formats).
    pub fn open(root: &Path, variant: &str) -> Cache {
        let path = cache_path(root);
        let mut h = blake3::Hasher::new();
        h.update(&FORMAT.to_le_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(&[0]);
        h.update(variant.as_bytes());
        let variant = h.finalize();
        let (file, (records, end)) = match File::open(&path) {
            Ok(file) => {
                let scanned = scan(&file).unwrap_or_default();
                (Some(Mutex::new(file)), scanned)
            }
            Err(_) => (None, Default::default()),
        };
        Cache { path, variant, file, records, end }
    }

    /// The key of a transcript: its source path and its inputs' hash, under this run's variant.
    pub fn key(&self, source: &str, inputs: &str) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(self.variant.as_bytes());
        for part in [source, inputs] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        *h.finalize().as_bytes()
    }

    /// The value kept under `key` by the last run, with its record for this run's cache.
    pub fn get<T: DeserializeOwned>(&self, key: Key) -> Option<(T, Record)> {
        let &(offset, len, sum) = self.records.get(&key)?;
        let mut payload = vec![0; len as usize];
        {
            let mut file = self.file.as_ref()?.lock().ok()?;
            file.seek(SeekFrom::Start(offset)).ok()?;
            file.read_exact(&mut payload).ok()?;
        }
        if check(&payload) != sum {
            return None;
        }
        let value = decode(&payload)?;
        Some((value, Record { key, check: sum, body: Body::Kept(offset, len) }))
    }

    /// `value`'s record under `key` (`None` when it cannot be encoded). Made on the worker: the
    /// writer only copies bytes.
    pub fn record<T: Serialize>(&self, key: Key, value: &T) -> Option<Record> {
        let bytes = postcard::to_stdvec(value).ok()?;
        let payload = lz4_flex::compress_prepend_size(&bytes);
        Some(Record { key, check: check(&payload), body: Body::New(payload) })
    }

    /// The value the last run kept whole under `name` with [`Cache::put_whole`] (`None` when there
    /// is none for this variant, or it is damaged).
    pub fn get_whole<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let bytes = std::fs::read(self.whole_path(name)).ok()?;
        let (variant, rest) = bytes.split_first_chunk::<32>()?;
        let (payload, sum) = rest.split_last_chunk::<8>()?;
        if variant != self.variant.as_bytes() || check(payload) != *sum {
            return None;
        }
        postcard::from_bytes(payload).ok()
    }

    /// Keeps `value` whole for the next run, under `name` beside the records: a value that only
    /// the whole run can make (the fold's), where records are one transcript's. Written as it is
    /// encoded (`[variant][payload][check]`, uncompressed: no second copy in memory) and replaced
    /// atomically; not synced, as the records are not: a value a crash damaged is a miss.
    pub fn put_whole<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        /// Writes through, hashing what it writes; keeps the first error, which postcard replaces
        /// with one of its own.
        struct Hashing<W>(W, xxhash_rust::xxh3::Xxh3, Option<std::io::Error>);
        impl<W: Write> Write for Hashing<W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = self.0.write(buf).map_err(|e| {
                    let kind = e.kind();
                    self.2.get_or_insert(e);
                    std::io::Error::from(kind)
                })?;
                self.1.update(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.0.flush()
            }
        }
        let path = self.whole_path(name);
        let dir = path.parent().unwrap_or(Path::new("."));
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let out = crate::fsutil::temporary_in(dir)?;
            // A handle of its own, whose errors name no temporary path.
            let mut file = BufWriter::new(out.as_file().try_clone()?);
            file.write_all(self.variant.as_bytes())?;
            let mut hashing = Hashing(file, xxhash_rust::xxh3::Xxh3::new(), None);
            if let Err(e) = postcard::to_io(value, &mut hashing) {
                return Err(hashing.2.take().unwrap_or_else(|| std::io::Error::other(e)));
            }
            let Hashing(mut file, sum, _) = hashing;
            file.write_all(&sum.digest().to_le_bytes())?;
            file.into_inner().map_err(|e| e.into_error())?;
            out.persist(&path).map_err(|e| e.error)?;
            Ok(())
        };
        write().map_err(|e| Error::io(&path, e))
    }

    /// Removes the cache file, so that the next run makes every record anew: for a cache whose
    /// records pass their check but cannot be used. Values kept whole stay; their keys name
    /// records that are gone, so they are never used.
    pub fn forget(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    fn whole_path(&self, name: &str) -> PathBuf {
        let mut file = self.path.clone().into_os_string();
        file.push(".");
        file.push(name);
        PathBuf::from(file)
    }

    /// Starts this run's records: appended to the cache file, after its last whole record.
    pub fn writer(&self) -> Result<Writer> {
        let path = &self.path;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // Records are kept only from the file this cache read (`end` is 0 when it read none).
        let end = self.end;
        let mut file = crate::fsutil::open_in_place(path).map_err(|e| Error::io(path, e))?;
        file.set_len(end).and_then(|()| file.seek(SeekFrom::Start(end))).map_err(|e| Error::io(path, e))?;
        Ok(Writer { out: BufWriter::new(file), path: path.clone(), end, live: Vec::new(), failed: None })
    }
}

fn decode<T: DeserializeOwned>(payload: &[u8]) -> Option<T> {
    let bytes = lz4_flex::decompress_size_prepended(payload).ok()?;
    postcard::from_bytes(&bytes).ok()
}

/// Key → (payload offset, length, check).
type Records = HashMap<Key, (u64, u32, Check)>;

/// Reads the record headers of a cache file, and where the last whole record ends; a truncated
/// or damaged tail ends the scan.
fn scan(file: &File) -> std::io::Result<(Records, u64)> {
    let size = file.metadata()?.len();
    // Headers only: a larger buffer would read every payload too, a buffer at a time.
    let mut reader = BufReader::with_capacity(HEADER as usize, file);
    let mut records = HashMap::new();
    let mut at = 0u64;
    let mut header = [0u8; HEADER as usize];
    while at + HEADER <= size {
        reader.read_exact(&mut header)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&header[..32]);
        let len = u32::from_le_bytes([header[32], header[33], header[34], header[35]]);
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&header[36..]);
        let payload = at + HEADER;
        if payload + u64::from(len) > size {
            break;
        }
        // A key written again (its record was damaged) is read from its last record.
        records.insert(key, (payload, len, sum));
        reader.seek_relative(i64::from(len))?;
        at = payload + u64::from(len);
    }
    Ok((records, at))
}

/// This run's records, appended as transcripts are done; [`Writer::commit`] finishes the file.
pub struct Writer {
    out: BufWriter<File>,
    path: PathBuf,
    /// Where the file ends, appended records included.
    end: u64,
    /// This run's records in the file: where each starts (its header) and its length.
    live: Vec<(u64, u64)>,
    failed: Option<std::io::Error>,
}

impl Writer {
    /// Adds a record to this run's: appends a new one, notes where a kept one is. A failed write
    /// is kept for [`Writer::commit`] to report; the run goes on.
    pub fn put(&mut self, record: &Record) {
        if self.failed.is_some() {
            return;
        }
        let payload = match &record.body {
            Body::Kept(offset, len) => {
                self.live.push((offset - HEADER, HEADER + u64::from(*len)));
                return;
            }
            Body::New(payload) => payload,
        };
        let Ok(len) = u32::try_from(payload.len()) else { return };
        let written = self
            .out
            .write_all(&record.key)
            .and_then(|()| self.out.write_all(&len.to_le_bytes()))
            .and_then(|()| self.out.write_all(&record.check))
            .and_then(|()| self.out.write_all(payload));
        match written {
            Ok(()) => {
                self.live.push((self.end, HEADER + u64::from(len)));
                self.end += HEADER + u64::from(len);
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// Finishes this run's records. When records no run used any more weigh as much as this
    /// run's, the file is rewritten with this run's records only.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        if let Some(e) = self.failed {
            return Err(Error::io(&path, e));
        }
        let mut file = self.out.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        let live: u64 = self.live.iter().map(|(_, len)| len).sum();
        // A run that made every record anew (the lexicons changed) compacts at once.
        if self.end.saturating_sub(live) < live || self.end == 0 {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        // Runs of adjacent records, each copied file to file (in the kernel, where it can).
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for &(start, len) in &self.live {
            match runs.last_mut() {
                Some((at, n)) if *at + *n == start => *n += len,
                _ => runs.push((start, len)),
            }
        }
        let compact = || -> std::io::Result<tempfile::NamedTempFile> {
            let mut out = crate::fsutil::temporary_in(dir)?;
            for (start, len) in runs {
                file.seek(SeekFrom::Start(start))?;
                let copied = std::io::copy(&mut (&mut file).take(len), out.as_file_mut())?;
                if copied != len {
                    return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the cache file shrank"));
                }
            }
            Ok(out)
        };
        let compacted = compact().map_err(|e| Error::io(&path, e))?;
        compacted.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_record_comes_back_under_its_key_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::open(dir.path(), "by persona");
        let key = cache.key("a.txt", "inputs-1");
        assert!(cache.get::<Vec<String>>(key).is_none(), "nothing before a first run");
        let value = vec!["one".to_string(), "two".to_string()];
        let mut writer = cache.writer().unwrap_or_else(|e| panic!("{e}"));
        writer.put(&cache.record(key, &value).unwrap_or_else(|| panic!("encodes")));
        writer.commit().unwrap_or_else(|e| panic!("{e}"));

        let cache = Cache::open(dir.path(), "by persona");
        let (back, record) = cache.get::<Vec<String>>(key).unwrap_or_else(|| panic!("kept"));
        assert_eq!(back, value);
        // Another transcript, other inputs or another variant find nothing.
        assert!(cache.get::<Vec<String>>(cache.key("b.txt", "inputs-1")).is_none());
        assert!(cache.get::<Vec<String>>(cache.key("a.txt", "inputs-2")).is_none());
        let other = Cache::open(dir.path(), "by segment");
        assert!(other.get::<Vec<String>>(other.key("a.txt", "inputs-1")).is_none());

        // A run that keeps this record writes nothing.
        let size = std::fs::metadata(cache_path(dir.path())).map(|m| m.len()).unwrap_or_default();
        let mut writer = cache.writer().unwrap_or_else(|e| panic!("{e}"));
        writer.put(&record);
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::metadata(cache_path(dir.path())).map(|m| m.len()).unwrap_or_default(), size);
        assert_eq!(Cache::open(dir.path(), "by persona").records.len(), 1);
    }

    /// Runs a cache over `kept` (keys whose records the last run made) and `made` (new values).
    fn run(dir: &Path, kept: &[&str], made: &[(&str, &str)]) -> Cache {
        let cache = Cache::open(dir, "v");
        let mut writer = cache.writer().unwrap_or_else(|e| panic!("{e}"));
        for k in kept {
            let (_, record) = cache.get::<String>(cache.key(k, "1")).unwrap_or_else(|| panic!("{k} kept"));
            writer.put(&record);
        }
        for (k, v) in made {
            writer.put(&cache.record(cache.key(k, "1"), &v.to_string()).unwrap_or_else(|| panic!("encodes")));
        }
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        Cache::open(dir, "v")
    }

    #[test]
    fn runs_append_what_they_make_and_rewrite_the_file_when_old_records_weigh_as_much_as_theirs() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let value = |c: &Cache, k: &str| c.get::<String>(c.key(k, "1")).map(|(v, _)| v);
        run(dir.path(), &[], &[("a", "alpha"), ("b", "beta")]);
        let two = std::fs::metadata(cache_path(dir.path())).map(|m| m.len()).unwrap_or_default();
        // One edit: b's record is no longer used, c's is appended; a's stays where it is.
        let cache = run(dir.path(), &["a"], &[("c", "gamma")]);
        assert_eq!(cache.records.len(), 3, "b stays while it does not outweigh a and c");
        assert!(std::fs::metadata(cache_path(dir.path())).map(|m| m.len()).unwrap_or_default() > two);
        assert_eq!(value(&cache, "a").as_deref(), Some("alpha"));
        assert_eq!(value(&cache, "c").as_deref(), Some("gamma"));
        // A run using c only: a and b outweigh it, so the file is rewritten with c alone.
        let cache = run(dir.path(), &["c"], &[]);
        assert_eq!(cache.records.len(), 1);
        assert_eq!(value(&cache, "c").as_deref(), Some("gamma"));
        assert_eq!(value(&cache, "a"), None);
        // A run making all its records anew (as after a lexicon change) leaves only them.
        let cache = run(dir.path(), &[], &[("x", "delta")]);
        assert_eq!(cache.records.len(), 1);
        assert_eq!(value(&cache, "x").as_deref(), Some("delta"));
    }

    #[test]
    fn a_torn_tail_is_cut_before_the_next_run_appends() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        run(dir.path(), &[], &[("a", "alpha"), ("b", "beta")]);
        let path = cache_path(dir.path());
        let bytes = std::fs::read(&path).unwrap_or_default();
        // A run killed while appending b.
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap_or_else(|e| panic!("{e}"));
        let cache = run(dir.path(), &["a"], &[("c", "gamma")]);
        assert_eq!(cache.records.len(), 2, "a and c, after the cut");
        assert_eq!(cache.get::<String>(cache.key("c", "1")).map(|(v, _)| v).as_deref(), Some("gamma"));
    }

    #[test]
    fn a_value_kept_whole_comes_back_for_its_variant_and_never_damaged() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::open(dir.path(), "v");
        assert_eq!(cache.get_whole::<Vec<String>>("fold"), None, "nothing before a first run");
        let value = vec!["one".to_string(), "two".to_string()];
        cache.put_whole("fold", &value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Cache::open(dir.path(), "v").get_whole::<Vec<String>>("fold"), Some(value.clone()));
        assert_eq!(Cache::open(dir.path(), "w").get_whole::<Vec<String>>("fold"), None, "another variant");
        assert_eq!(cache.get_whole::<Vec<String>>("other"), None, "another name");
        let path = cache.whole_path("fold");
        let bytes = std::fs::read(&path).unwrap_or_default();
        for damage in [0, 32, bytes.len() / 2 + 8, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[damage] ^= 1;
            std::fs::write(&path, &damaged).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(cache.get_whole::<Vec<String>>("fold"), None, "byte {damage} flipped");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cache.get_whole::<Vec<String>>("fold"), None, "torn");
        cache.put_whole("fold", &vec!["three".to_string()]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cache.get_whole::<Vec<String>>("fold"), Some(vec!["three".to_string()]), "replaced");
    }

    #[test]
    fn a_damaged_cache_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::open(dir.path(), "v");
        let (k1, k2) = (cache.key("a.txt", "1"), cache.key("b.txt", "1"));
        let mut writer = cache.writer().unwrap_or_else(|e| panic!("{e}"));
        for k in [k1, k2] {
            writer.put(&cache.record(k, &"a value".to_string()).unwrap_or_else(|| panic!("encodes")));
        }
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        let path = cache_path(dir.path());
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        // Cut into the second record, and flip a byte of the first payload.
        bytes.truncate(bytes.len() - 3);
        bytes[HEADER as usize + 5] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let cache = Cache::open(dir.path(), "v");
        assert!(cache.get::<String>(k2).is_none(), "a truncated record is not read");
        assert!(cache.records.contains_key(&k1));
        assert!(cache.get::<String>(k1).is_none(), "a damaged payload fails its check");
        std::fs::write(&path, b"not a cache").unwrap_or_else(|e| panic!("{e}"));
        assert!(Cache::open(dir.path(), "v").records.is_empty());
    }
}
