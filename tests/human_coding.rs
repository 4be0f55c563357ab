//! The researcher's own coding: `pith import` (REFI-QDA projects and codebooks, quotation
//! exports), `pith agree` and `pith lexicon suggest`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::util::{copy_dir, csv_rows, pith, sample_study, shared_corpus, shared_dir, zip, TempStudy};

/// The coded selections, codes and sources of a `.qdpx`, read with quick-xml apart from pith.
struct Exported {
    /// Code GUID → name.
    codes: BTreeMap<String, String>,
    /// (source name, start, end, code name).
    selections: BTreeSet<(String, usize, usize, String)>,
    /// Source name → text.
    texts: BTreeMap<String, String>,
}

fn read_exported(path: &Path) -> Exported {
    use quick_xml::events::Event;
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).expect("qdpx")).expect("zip");
    let mut qde = String::new();
    archive.by_name("project.qde").expect("project.qde").read_to_string(&mut qde).expect("read");
    let attr = |e: &quick_xml::events::BytesStart, k: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == k)
            .map(|a| a.unescape_value().expect("attribute").into_owned())
    };
    let mut out = Exported { codes: BTreeMap::new(), selections: BTreeSet::new(), texts: BTreeMap::new() };
    let mut reader = quick_xml::Reader::from_str(&qde);
    let (mut source, mut range, mut refs) = (String::new(), (0, 0), Vec::new());
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"Code" => {
                    out.codes.insert(attr(&e, b"guid").expect("guid"), attr(&e, b"name").expect("name"));
                }
                b"TextSource" => {
                    source = attr(&e, b"name").expect("name");
                    let file = attr(&e, b"plainTextPath").expect("path").replace("internal://", "sources/");
                    let mut text = String::new();
                    archive.by_name(&file).expect("source").read_to_string(&mut text).expect("text");
                    out.texts.insert(source.clone(), text);
                }
                b"PlainTextSelection" => {
                    let n = |k: &[u8]| attr(&e, k).expect("position").parse::<usize>().expect("number");
                    range = (n(b"startPosition"), n(b"endPosition"));
                }
                b"CodeRef" => refs.push((source.clone(), range, attr(&e, b"targetGUID").expect("target"))),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    for (source, (start, end), code) in refs {
        out.selections.insert((source, start, end, out.codes[&code].clone()));
    }
    out
}

/// The sample study exported as REFI-QDA, and a study it was imported into.
fn sample_round_trip() -> (TempStudy, TempStudy) {
    let exported = TempStudy::new();
    let out = exported.path().join("out");
    pith([
        "report".as_ref(),
        sample_study().as_os_str(),
        "--format".as_ref(),
        "qdpx".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ])
    .stdout();
    let imported = TempStudy::new();
    let study = imported.path().join("study");
    let said = pith(["import".as_ref(), out.join("study.qdpx").as_os_str(), study.as_os_str()]).stdout();
    assert!(said.contains("12 sources (12 new or changed), 12 participant rows"), "{said}");
    (exported, imported)
}

#[test]
fn the_sample_studys_export_imports_back_with_every_code_selection_and_case_attribute() {
    let (exported, imported) = sample_round_trip();
    let project = read_exported(&exported.path().join("out/study.qdpx"));
    let study = imported.path().join("study");
    // Every source's text, exactly.
    for (name, text) in &project.texts {
        let back = std::fs::read_to_string(study.join("transcripts").join(format!("{name}.txt"))).expect("transcript");
        assert!(&back == text, "{name} differs");
    }
    // Every code, with its parent.
    let book = csv_rows(&study.join("coding/codebook.csv"));
    let names: BTreeSet<&str> = book.iter().map(|r| r["code"].as_str()).collect();
    let wanted: BTreeSet<&str> = project.codes.values().map(String::as_str).collect();
    assert_eq!(names, wanted);
    let downtime = book.iter().find(|r| r["code"] == "Downtime and reliability (risk.downtime)").expect("code");
    assert_eq!(downtime["parent"], "Risks");
    // Every selection, with its code.
    let selections: BTreeSet<(String, usize, usize, String)> = csv_rows(&study.join("coding/selections/study.csv"))
        .into_iter()
        .map(|r| {
            let source = r["transcript"].strip_suffix(".txt").expect(".txt").to_string();
            (source, r["start"].parse().expect("start"), r["end"].parse().expect("end"), r["code"].clone())
        })
        .collect();
    assert!(project.selections.len() > 1000, "the sample has many codings: {}", project.selections.len());
    assert_eq!(selections, project.selections);
    // Every case attribute: the sample's participants.csv rows, by participant.
    let original = csv_rows(&sample_study().join("participants.csv"));
    let back = csv_rows(&study.join("participants.csv"));
    assert_eq!(back.len(), original.len());
    for row in &original {
        let b = back.iter().find(|b| b["participant"] == row["participant"]).expect("participant");
        for (k, v) in row.iter().filter(|(k, _)| k.as_str() != "transcript" && k.as_str() != "speaker") {
            assert_eq!(&b[k], v, "{} {k}", row["participant"]);
        }
        assert_eq!(b["transcript"].trim_end_matches(".txt"), row["transcript"].rsplit_once('.').expect("ext").0);
    }
}

#[test]
fn pith_agrees_with_its_own_coding_imported_back() {
    let (_exported, imported) = sample_round_trip();
    let study = imported.path().join("study");
    copy_dir(&sample_study().join("lexicons"), &study.join("lexicons"));
    let csv = pith(["agree".as_ref(), study.as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.iter().filter(|r| &r[0] == "code").count() > 40, "{csv}");
    assert!(rows.iter().filter(|r| &r[0] == "family").count() == 11, "{csv}"); // the eight canvas families, journey, role, relation
    for r in &rows {
        // Every code the researcher (here: pith) applied agrees fully; none is coded by one side only.
        assert_eq!((&r[4], &r[5]), ("0", "0"), "{r:?}");
        if &r[3] != "0" {
            assert_eq!(&r[7], "1.00", "{r:?}");
        }
    }
}

/// A GUID for test element `n`.
fn g(n: u32) -> String {
    format!("6f1c2a00-0000-4000-8000-{n:012x}")
}

/// A project as another tool writes it: two users, codes nested three deep with a name used
/// twice, a set of codes, variables of two types, a case, a source stored as an internal file,
/// one inline, a PDF with its text representation, a picture, a coding of a whole source.
fn other_tools_project(first: &str, second: &str) -> String {
    let (c1, c2) = (first.chars().count(), second.chars().count());
    let at = |text: &str, part: &str| {
        let b = text.find(part).expect("part");
        let s = text[..b].chars().count();
        (s, s + part.chars().count())
    };
    let (h0, h1) = at(first, "hidden fees");
    let (t0, t1) = at(first, "I don't trust them");
    let pdf = "Sam: The invoice was wrong again.";
    let (p0, p1) = at(pdf, "invoice was wrong");
    assert!(c1 > 0 && c2 > 0);
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other tool" origin="Another QDA tool 9" creatingUserGUID="{u1}">
  <Users>
    <User guid="{u1}" name="Ann"/>
    <User guid="{{{u2_upper}}}" name="Ben"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{money}" name="Money" isCodable="false">
        <Description>About money &amp; prices</Description>
        <Code guid="{cost}" name="Cost" isCodable="true">
          <Code guid="{hidden1}" name="Hidden" isCodable="true"/>
        </Code>
      </Code>
      <Code guid="{trust}" name="Trust" isCodable="true">
        <Code guid="{hidden2}" name="Hidden" isCodable="true"/>
      </Code>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="{v1}" name="persona" typeOfVariable="Text"/>
    <Variable guid="{v2}" name="sites" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="{k1}" name="Priya">
      <VariableValue><VariableRef targetGUID="{v1}"/><TextValue>Buyer</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{v2}"/><IntegerValue>3</IntegerValue></VariableValue>
      <SourceRef targetGUID="{s1}"/>
    </Case>
    <Case guid="{k2}" name="Sam">
      <SourceRef targetGUID="{s3}"/>
      <SourceRef targetGUID="{s4}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{s1}" name="Interview Priya.docx" plainTextPath="internal://{s1}.txt" creatingUser="{u1}">
      <PlainTextSelection guid="{x1}" startPosition="{h0}" endPosition="{h1}" creatingUser="{u1}">
        <Coding guid="{x2}" creatingUser="{u1}"><CodeRef targetGUID="{hidden1}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{x3}" startPosition="{t0}" endPosition="{t1}" creatingUser="{u2}">
        <Coding guid="{x4}" creatingUser="{u2}"><CodeRef targetGUID="{hidden2}"/></Coding>
        <Coding guid="{x5}" creatingUser="{u1}"><CodeRef targetGUID="{trust}"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{s2}" name="team/notes">
      <PlainTextContent>{second}</PlainTextContent>
      <Coding guid="{x6}" creatingUser="{u2}"><CodeRef targetGUID="{cost}"/></Coding>
    </TextSource>
    <PDFSource guid="{s3}" name="Sam.pdf" path="internal://{s3}.pdf">
      <Representation guid="{s5}" name="Sam.pdf" plainTextPath="internal://{s5}.txt">
        <PlainTextSelection guid="{x7}" startPosition="{p0}" endPosition="{p1}">
          <Coding guid="{x8}" creatingUser="{u1}"><CodeRef targetGUID="{cost}"/></Coding>
        </PlainTextSelection>
      </Representation>
    </PDFSource>
    <PictureSource guid="{s4}" name="whiteboard.png" path="internal://{s4}.png"/>
  </Sources>
  <Sets>
    <Set guid="{set}" name="Economics"><MemberCode targetGUID="{cost}"/><MemberCode targetGUID="{money}"/></Set>
  </Sets>
</Project>
"#,
        u1 = g(1),
        u2 = g(2),
        u2_upper = g(2).to_uppercase(),
        money = g(10),
        cost = g(11),
        hidden1 = g(12),
        trust = g(13),
        hidden2 = g(14),
        v1 = g(20),
        v2 = g(21),
        k1 = g(30),
        k2 = g(31),
        s1 = g(40),
        s2 = g(41),
        s3 = g(42),
        s4 = g(43),
        s5 = g(44),
        x1 = g(50),
        x2 = g(51),
        x3 = g(52),
        x4 = g(53),
        x5 = g(54),
        x6 = g(55),
        x7 = g(56),
        x8 = g(57),
        set = g(60),
    )
}

/// Validates `xml` against a REFI-QDA schema with xmllint, when both are there.
fn validate(xml: &str, xsd: &str) {
    let Some(shared) = shared_dir("refi") else { return };
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("skipping the schema check: xmllint missing (.ci/run installs libxml2-utils)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).expect("write");
    let run = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(shared.join("refi").join(xsd))
        .arg(&file)
        .output()
        .expect("xmllint");
    assert!(run.status.success(), "the test's document does not validate:\n{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn projects_shaped_as_other_tools_write_them_import() {
    let first = "Interviewer: What does it cost?\nPriya: The café's hidden fees — they hurt. I don't trust them.\n";
    let second = "Q: Anything else?\nA: The price went up twice.";
    let xml = other_tools_project(first, second);
    validate(&xml, "Project-mrt2019.xsd");
    let t = TempStudy::new();
    let pdf_text = "Sam: The invoice was wrong again.";
    let qdpx = zip(&[
        ("project.qde", xml.as_bytes()),
        (&format!("sources/{}.txt", g(40)), first.as_bytes()),
        (&format!("sources/{}.txt", g(44)), pdf_text.as_bytes()),
        (&format!("sources/{}.pdf", g(42)), b"%PDF-1.4 not read"),
        (&format!("sources/{}.png", g(43)), b"\x89PNG not read"),
    ]);
    let input = t.write("other.qdpx", qdpx);
    let study = t.path().join("study");
    let (stdout, stderr) = pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).status(2);
    assert!(stderr.contains("PictureSource \"whiteboard.png\" is not text; skipped"), "{stderr}");
    assert!(stdout.contains("imported 3 sources"), "{stdout}");
    assert_eq!(std::fs::read_to_string(study.join("transcripts/Interview Priya.txt")).expect("source"), first);
    assert_eq!(std::fs::read_to_string(study.join("transcripts/team/notes.txt")).expect("inline"), second);
    assert_eq!(std::fs::read_to_string(study.join("transcripts/Sam.txt")).expect("pdf text"), pdf_text);
    let book = csv_rows(&study.join("coding/codebook.csv"));
    let row =
        |code: &str| book.iter().find(|r| r["code"] == code).unwrap_or_else(|| panic!("{code} missing: {book:?}"));
    // The name two codes share is qualified by its parents.
    assert_eq!(row("Money/Cost/Hidden")["parent"], "Cost");
    assert_eq!(row("Trust/Hidden")["parent"], "Trust");
    assert_eq!(row("Cost")["groups"], "Economics");
    assert_eq!(row("Money")["description"], "About money & prices");
    let selections = csv_rows(&study.join("coding/selections/other.csv"));
    let got: BTreeSet<(String, String, String)> = selections
        .iter()
        .map(|r| {
            let text: String = std::fs::read_to_string(study.join("transcripts").join(&r["transcript"]))
                .expect("transcript")
                .chars()
                .skip(r["start"].parse().expect("start"))
                .take(r["end"].parse::<usize>().expect("end") - r["start"].parse::<usize>().expect("start"))
                .collect();
            (text, r["code"].clone(), r["coder"].clone())
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = [
        ("hidden fees", "Money/Cost/Hidden", "Ann"),
        ("I don't trust them", "Trust/Hidden", "Ben"),
        ("I don't trust them", "Trust", "Ann"),
        (second, "Cost", "Ben"),
        ("invoice was wrong", "Cost", "Ann"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);
    let people = csv_rows(&study.join("participants.csv"));
    let priya = people.iter().find(|r| r["participant"] == "Priya").expect("Priya");
    assert_eq!(
        (priya["transcript"].as_str(), priya["persona"].as_str(), priya["sites"].as_str()),
        ("Interview Priya.txt", "Buyer", "3")
    );
    assert!(people.iter().any(|r| r["participant"] == "Sam" && r["transcript"] == "Sam.txt"), "{people:?}");
    // Imported again, nothing changes and nothing is duplicated.
    let again = pith(["import".as_ref(), input.as_os_str(), study.as_os_str(), "-q".as_ref()]).status(2).0;
    assert!(again.contains("(0 new or changed)"), "{again}");
    assert_eq!(csv_rows(&study.join("coding/selections/other.csv")).len(), 5);
    assert_eq!(csv_rows(&study.join("participants.csv")).len(), 2);
    // The imported study is a study.
    pith(["code".as_ref(), study.as_os_str(), "-q".as_ref()]).stdout();
}

#[test]
fn a_codebook_alone_and_a_project_without_sources_import() {
    let qdc = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Tool">
  <Codes>
    <Code guid="{a}" name="Pains" isCodable="true">
      <Description>What hurts</Description>
      <Code guid="{b}" name="Slow support" isCodable="true"/>
    </Code>
  </Codes>
</CodeBook>
"#,
        a = g(1),
        b = g(2)
    );
    validate(&qdc, "Codebook-mrt2019.xsd");
    let t = TempStudy::new();
    let study = t.path().join("study");
    let input = t.write("codes.qdc", &qdc);
    let out = pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).stdout();
    assert!(out.contains("0 sources") && out.contains("2 codes"), "{out}");
    let book = csv_rows(&study.join("coding/codebook.csv"));
    assert_eq!(book.len(), 2);
    assert_eq!(book.iter().find(|r| r["code"] == "Slow support").expect("child")["parent"], "Pains");
    assert!(!study.join("transcripts").exists() && !study.join("participants.csv").exists());
    // A project with a codebook and no sources adds its codes to the same codebook.
    let project = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Codes only">
  <CodeBook><Codes><Code guid="{c}" name="Gains" isCodable="true"/></Codes></CodeBook>
</Project>
"#,
        c = g(3)
    );
    validate(&project, "Project-mrt2019.xsd");
    let input = t.write("codes-only.qdpx", zip(&[("project.qde", project.as_bytes())]));
    pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).stdout();
    let codes: BTreeSet<String> =
        csv_rows(&study.join("coding/codebook.csv")).into_iter().map(|r| r["code"].clone()).collect();
    assert_eq!(codes, ["Gains", "Pains", "Slow support"].iter().map(|s| s.to_string()).collect());
}

#[test]
fn hostile_or_broken_projects_are_refused_and_leave_the_study_as_it_was() {
    let t = TempStudy::new();
    let study = t.path().join("study");
    t.write("study/pith.toml", "[limits]\nmax_docx_xml_bytes = 20000\nmax_docx_entries = 4\n");
    let head = format!(
        r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"><!-- {} --></Project>"#,
        " ".repeat(100_000)
    );
    let refused = |name: &str, bytes: Vec<u8>, says: &str| {
        let input = t.write(name, bytes);
        let (_, stderr) = pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).status(1);
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(!study.join("transcripts").exists() && !study.join("coding").exists(), "{name} wrote into the study");
    };
    refused("bomb.qdpx", zip(&[("project.qde", head.as_bytes())]), "project.qde decompresses to more than");
    let many: Vec<(String, Vec<u8>)> = (0..6).map(|i| (format!("sources/{i}.txt"), b"x".to_vec())).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    refused("many.qdpx", zip(&many), "the zip has 6 entries (limit 4");
    refused("not-a-zip.qdpx", b"PK\x03\x04 broken".to_vec(), "not a REFI-QDA project");
    refused(
        "wrong.qdc",
        br#"<?xml version="1.0"?><Foo xmlns="urn:x"/>"#.to_vec(),
        "not a REFI-QDA project or codebook",
    );
    let dangling = format!(
        "<?xml version=\"1.0\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\">\n<Sources>\n<TextSource guid=\"{}\" name=\"a\">\n<PlainTextContent>Some text</PlainTextContent>\n<Coding guid=\"{}\"><CodeRef targetGUID=\"{}\"/></Coding>\n</TextSource>\n</Sources>\n</Project>\n",
        g(1),
        g(2),
        g(3)
    );
    refused(
        "dangling.qdpx",
        zip(&[("project.qde", dangling.as_bytes())]),
        "dangling.qdpx/project.qde:6: <CodeRef> names no code",
    );
    refused("guid.qdc", br#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="a" isCodable="true"/></Codes></CodeBook>"#.to_vec(), "guid=\"x\" is not a GUID");
    // A source path climbing out of sources/ and a selection past the text are skipped, the rest imported.
    let project = format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"><CodeBook><Codes><Code guid=\"{c}\" name=\"C\" isCodable=\"true\"/></Codes></CodeBook><Sources>\
         <TextSource guid=\"{a}\" name=\"escape\" plainTextPath=\"internal://../../../etc/passwd\"/>\
         <TextSource guid=\"{b}\" name=\"ok\"><PlainTextContent>short</PlainTextContent>\
         <PlainTextSelection guid=\"{d}\" startPosition=\"2\" endPosition=\"99\"><Coding guid=\"{e}\"><CodeRef targetGUID=\"{c}\"/></Coding></PlainTextSelection></TextSource></Sources></Project>",
        a = g(1),
        b = g(2),
        c = g(3),
        d = g(4),
        e = g(5)
    );
    let input = t.write("mixed.qdpx", zip(&[("project.qde", project.as_bytes())]));
    let (_, stderr) = pith(["import".as_ref(), input.as_os_str(), study.as_os_str()]).status(2);
    assert!(
        stderr.contains("\"internal://../../../etc/passwd\" is not a file of the archive's sources/ folder"),
        "{stderr}"
    );
    assert!(stderr.contains("selection 2..99 of source \"ok\" lies outside its 5 characters"), "{stderr}");
    assert_eq!(std::fs::read_to_string(study.join("transcripts/ok.txt")).expect("ok"), "short");
    assert!(!t.path().join("etc").exists());
}

/// The number before `what` in `text` (`1298 coded selections`).
fn count_before(text: &str, what: &str) -> Option<usize> {
    text.split(what).next()?.rsplit(' ').next()?.parse().ok()
}

/// The Rust interviews as a study: their transcripts copied into a temporary folder, their
/// ATLAS.ti quotations imported.
fn rust_study() -> Option<TempStudy> {
    let corpus = shared_corpus()?.join("rust-unsafe-interviews");
    let t = TempStudy::new();
    copy_dir(&corpus.join("transcripts"), &t.path().join("transcripts"));
    let coding = corpus.join("coding");
    let (stdout, stderr) = pith([
        "import".as_ref(),
        coding.join("decisions.csv").as_os_str(),
        t.path().as_os_str(),
        "--codebook".as_ref(),
        coding.join("codebook.csv").as_os_str(),
    ])
    .status(2);
    assert!(stdout.contains("190 codes"), "{stdout}");
    // 1,006 quotes with 1.3 codes each; a few edited beyond recognition.
    let n = count_before(&stdout, " coded selections").expect("a count");
    assert!(n >= 1250, "{n} selections: {stdout}");
    let unfound =
        stderr.matches("the quote is not in").count() + count_before(&stderr, " more quotes not found").unwrap_or(0);
    assert!(unfound <= 20, "{unfound} quotes not found:\n{stderr}");
    Some(t)
}

#[test]
fn the_rust_interviews_atlas_coding_imports_and_a_lexicon_reproduces_topics_not_stances() {
    let Some(t) = rust_study() else { return };
    let suggest = |what: &str, name: &str| {
        pith([
            "lexicon".as_ref(),
            "suggest".as_ref(),
            t.path().as_os_str(),
            what.as_ref(),
            name.as_ref(),
            "--train".as_ref(),
            "1-10".as_ref(),
            "-q".as_ref(),
        ])
        .stdout()
    };
    let types = suggest("--group", "Types");
    assert!(types.contains("1-10 → 11-19"), "{types}");
    assert!(types.contains("verdict: a lexicon reproduces it"), "{types}");
    assert!(types.contains(" box ") || types.contains("box "), "{types}");
    let stance = suggest("--code", "No Other Choice");
    assert!(stance.contains("verdict: a lexicon cannot reproduce it"), "{stance}");
}

#[test]
fn accepted_terms_go_into_a_study_lexicon_that_compiles() {
    let (_exported, imported) = sample_round_trip();
    let study = imported.path().join("study");
    let accept = |which: &str| {
        let out = pith([
            "lexicon".as_ref(),
            "suggest".as_ref(),
            study.as_os_str(),
            "--code".as_ref(),
            "Downtime and reliability (risk.downtime)".as_ref(),
            "--accept".as_ref(),
            which.as_ref(),
            "-q".as_ref(),
        ])
        .stdout();
        let line = out.lines().find_map(|l| l.split_once(" terms to the study lexicon: ")).map(|(_, t)| t.to_string());
        let terms: Vec<String> = line.unwrap_or_else(|| panic!("{out}")).split(", ").map(str::to_string).collect();
        terms
    };
    let listed = accept("1,2");
    assert_eq!(listed.len(), 2, "{listed:?}");
    let file = study.join("lexicons/learned-downtime_and_reliability_risk_downtime.toml");
    let text = std::fs::read_to_string(&file).expect("the study lexicon");
    assert!(text.contains("id = \"risk.downtime_and_reliability_risk_downtime\""), "{text}");
    for term in &listed {
        assert!(text.contains(&format!("\"{term}\"")), "{term} not in\n{text}");
    }
    pith(["lexicon".as_ref(), "check".as_ref(), study.join("lexicons").as_os_str()]).stdout();
    // Accepting again adds nothing twice.
    assert_eq!(accept("1")[0], listed[0]);
    let again = std::fs::read_to_string(&file).expect("lexicon");
    assert_eq!(again.matches(&format!("\"{}\"", listed[0])).count(), 1, "{again}");
}

/// The text of a tmux pane.
fn pane(session: &str) -> String {
    let out = Command::new("tmux").args(["capture-pane", "-p", "-t", session]).output().expect("tmux capture-pane");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits (up to three minutes: debug builds of pith on a loaded machine) until the pane shows `text`.
fn wait_for(session: &str, text: &str) -> String {
    wait_until(session, text, |screen| screen.contains(text))
}

/// Waits until the pane shows `what`, as `shown` tells from the screen.
fn wait_until(session: &str, what: &str, shown: impl Fn(&str) -> bool) -> String {
    for _ in 0..1800 {
        let now = pane(session);
        if shown(&now) {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the terminal never showed {what:?}:\n{}", pane(session));
}

/// A tmux session running `pith ARGS` then printing REVIEW-DONE, killed when dropped.
struct Session(String);

impl Session {
    fn start(name: &str, args: &str) -> Session {
        let session = format!("{name}-{}", std::process::id());
        let command = format!("{} {args}; echo REVIEW-DONE; sleep 60", env!("CARGO_BIN_EXE_pith"));
        tmux(&["new-session", "-d", "-s", &session, "-x", "200", "-y", "80", &command]);
        Session(session)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
    }
}

fn tmux(args: &[&str]) {
    assert!(Command::new("tmux").args(args).status().expect("tmux").success(), "tmux {args:?}");
}

#[test]
fn the_review_loop_takes_single_keys_in_a_real_terminal_and_records_them_as_coding() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping: tmux missing");
        return;
    }
    let t = TempStudy::sample();
    let session =
        Session::start("pith-review", &format!("review {} --code risk.downtime --sample 3", t.path().display()));
    let session = &session.0;
    let first = wait_for(session, "(a)ccept");
    assert!(first.contains("[1/3]") && first.contains("pith: hit") && first.contains("[downtime]"), "{first}");
    // One key each, no Enter.
    tmux(&["send-keys", "-t", session, "a"]);
    let second = wait_for(session, "[2/3]");
    tmux(&["send-keys", "-t", session, "r"]);
    wait_for(session, "[3/3]");
    tmux(&["send-keys", "-t", session, "s"]);
    let end = wait_for(session, "REVIEW-DONE");
    assert!(end.contains("2 decisions on risk.downtime recorded"), "{end}");
    let shown = |screen: &str, n: usize| -> String {
        let line = screen.lines().find(|l| l.starts_with(&format!("[{n}/3]"))).expect("item line").to_string();
        line.split_whitespace().nth(1).expect("interview:passage").rsplit_once(':').expect(":").0.to_string()
    };
    let accepted = csv_rows(&t.path().join("coding/selections/review.csv"));
    let rejected = csv_rows(&t.path().join("coding/rejected.csv"));
    assert_eq!((accepted.len(), rejected.len()), (1, 1));
    assert_eq!(accepted[0]["code"], "risk.downtime");
    assert_eq!(accepted[0]["coder"], "pith review");
    assert_eq!(accepted[0]["transcript"].rsplit_once('.').expect("ext").0, shown(&first, 1));
    assert_eq!(rejected[0]["transcript"].rsplit_once('.').expect("ext").0, shown(&second, 2));
    // The accepted hit is human coding now: agreement on risk.downtime counts it.
    let agree = pith(["agree".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    let row = agree.lines().find(|l| l.starts_with("code,risk.downtime,")).unwrap_or_else(|| panic!("{agree}"));
    assert!(row.starts_with("code,risk.downtime,risk.downtime,1,"), "{row}");
    // Decided passages are not offered again.
    let sheet = t.path().join("sheet.csv");
    let rows = review_sheet(t.path(), "risk.downtime", &sheet, 20);
    for decided in accepted.iter().chain(&rejected) {
        assert!(
            !rows.iter().any(|r| r["transcript"] == decided["transcript"] && r["start"] == decided["start"]),
            "a decided passage is offered again"
        );
    }
}

/// The sheet `pith review --sheet` writes of up to `sample` passages of `code`.
fn review_sheet(study: &Path, code: &str, sheet: &Path, sample: usize) -> Vec<BTreeMap<String, String>> {
    let sample = sample.to_string();
    let args = [
        "review".as_ref(),
        study.as_os_str(),
        "--code".as_ref(),
        code.as_ref(),
        "--sample".as_ref(),
        sample.as_ref(),
        "--sheet".as_ref(),
        sheet.as_os_str(),
        "-q".as_ref(),
    ];
    pith(args).stdout();
    csv_rows(sheet)
}

/// `pith review STUDY --code CODE --apply SHEET EXTRA...`.
fn apply_sheet(study: &Path, code: &str, sheet: &Path, extra: &[&str]) -> crate::util::Pith {
    let mut args = vec!["review".as_ref(), study.as_os_str(), "--code".as_ref(), code.as_ref(), "--apply".as_ref()];
    args.push(sheet.as_os_str());
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    pith(args)
}

#[test]
fn a_filled_in_review_sheet_is_recorded_and_a_later_decision_replaces_an_earlier_one() {
    let t = TempStudy::sample();
    let sheet = t.path().join("sheet.csv");
    let mut rows = review_sheet(t.path(), "risk.downtime", &sheet, 4);
    assert_eq!(rows.len(), 4);
    assert!(rows[0]["pith"] == "hit" && rows[0]["in context"].contains("[downtime]"), "{:?}", rows[0]);
    let fill = |rows: &[BTreeMap<String, String>]| {
        let mut w = csv::Writer::from_path(&sheet).expect("sheet");
        let header: Vec<&String> = rows[0].keys().collect();
        w.write_record(&header).expect("header");
        for r in rows {
            w.write_record(r.values()).expect("row");
        }
        w.flush().expect("flush");
    };
    rows[0].insert("decision".into(), "accept".into());
    rows[1].insert("decision".into(), "reject".into());
    fill(&rows);
    let apply = || apply_sheet(t.path(), "risk.downtime", &sheet, &[]);
    let said = apply().stdout();
    assert!(said.contains("recorded 2 decisions on risk.downtime (1 accepted, 1 rejected)"), "{said}");
    // Changing one's mind: the first passage rejected now.
    rows[0].insert("decision".into(), "reject".into());
    rows[1].insert("decision".into(), String::new());
    fill(&rows);
    apply().stdout();
    assert!(csv_rows(&t.path().join("coding/selections/review.csv")).is_empty());
    assert_eq!(csv_rows(&t.path().join("coding/rejected.csv")).len(), 2);
    rows[2].insert("decision".into(), "maybe".into());
    fill(&rows);
    let (_, stderr) = apply().status(1);
    // The line where the third record starts (passage texts span lines).
    let mut reader = csv::Reader::from_path(&sheet).expect("sheet");
    let third = reader.records().nth(2).expect("a third row").expect("row");
    let line = third.position().expect("position").line();
    assert!(stderr.contains(&format!("sheet.csv:{line}: decision \"maybe\"")), "{stderr}");
}

/// A study whose own code `risk.outage` (in `lexicons/study.toml`) matches "went down" where a
/// price went down as well as where a system did.
fn outage_study() -> TempStudy {
    let t = TempStudy::new();
    t.write("pith.toml", "title = \"Outages\"\nlanguage = \"english\"\ninterviewers = [\"Maya\"]\n");
    t.write(
        "lexicons/study.toml",
        "# The study's own codes.\n[[codes]]\nid = \"risk.outage\"\nlabel = \"Outages\"\nterms = [\n  \"outage\",\n  \"went down\",\n]\n",
    );
    t.write(
        "transcripts/ana.txt",
        "Maya: Tell me about last year.\nAna: The whole site went down for a day in March and we lost orders.\n\
         Maya: And the costs?\nAna: The price of cooling went down after the retrofit, which was nice.\n\
         Maya: Anything else?\nAna: We had an outage on the storage array, two hours of panic.\n\
         Maya: How about energy?\nAna: Honestly the electricity price went down a lot this winter.\n",
    );
    t.write(
        "transcripts/ben.txt",
        "Maya: What keeps you up at night?\nBen: An outage in the middle of the trading day, that is the nightmare.\n\
         Maya: Did anything change in the budget?\nBen: The rack price went down when we switched vendors.\n\
         Maya: And the network?\nBen: The core switch went down twice and the whole floor stopped.\n",
    );
    t
}

/// The participants' lines of a study's transcripts that hold `term`, and of those how many hold `also`.
fn lines_with(study: &Path, term: &str, also: &str) -> (usize, usize) {
    let mut lines = Vec::new();
    for name in ["ana.txt", "ben.txt", "cy.txt", "di.txt"] {
        if let Ok(text) = std::fs::read_to_string(study.join("transcripts").join(name)) {
            lines.extend(text.lines().filter(|l| !l.starts_with("Maya:") && l.contains(term)).map(str::to_string));
        }
    }
    (lines.len(), lines.iter().filter(|l| l.contains(also)).count())
}

#[test]
fn a_review_in_a_terminal_proposes_an_exclusion_writes_it_on_the_confirm_key_and_prints_agreement() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping: tmux missing");
        return;
    }
    let t = outage_study();
    let hits = lines_with(t.path(), "outage", "").0 + lines_with(t.path(), "went down", "").0;
    let priced = lines_with(t.path(), "went down", "price").1;
    let session = Session::start("pith-review-lexicon", &format!("review {} --code Risk.Outage", t.path().display()));
    let session = &session.0;
    // Reject the passages where a price went down, accept the others, one key each.
    for n in 1..=hits {
        // The whole item: its header, its context and the prompt after them (a screen caught
        // while the item is being written would lack the context the key depends on).
        let header = format!("[{n}/{hits}]");
        let screen = wait_until(session, &header, |s| {
            s.split_once(header.as_str()).is_some_and(|(_, item)| item.contains("(a)ccept"))
        });
        let context: Vec<&str> = screen
            .lines()
            .skip_while(|l| !l.starts_with(&format!("[{n}/{hits}]")))
            .skip(1)
            .take_while(|l| !l.contains("(a)ccept"))
            .filter(|l| !l.trim_start().starts_with("Q:"))
            .collect();
        assert!(!context.is_empty(), "{screen}");
        tmux(&["send-keys", "-t", session, if context.iter().any(|l| l.contains("price")) { "r" } else { "a" }]);
    }
    let shown = wait_for(session, "(w)rite");
    assert!(shown.contains(&format!("{hits} decisions on risk.outage recorded")), "{shown}");
    assert!(shown.contains("change to lexicons/study.toml"), "{shown}");
    assert!(shown.contains("+ not = [\"price ~2 went down\"]"), "{shown}");
    let accepted = hits - priced;
    assert!(
        shown.contains(&format!("it drops {priced} of {priced} rejected hits and 0 of {accepted} accepted hits")),
        "{shown}"
    );
    // Nothing is written before the key.
    assert!(!t.read("lexicons/study.toml").contains("not ="));
    tmux(&["send-keys", "-t", session, "w"]);
    let end = wait_for(session, "REVIEW-DONE");
    let lexicon = t.read("lexicons/study.toml");
    assert!(lexicon.starts_with("# The study's own codes.\n"), "{lexicon}");
    assert!(lexicon.contains("not = [\"price ~2 went down\"]"), "{lexicon}");
    pith(["lexicon".as_ref(), "check".as_ref(), t.path().join("lexicons").as_os_str()]).stdout();
    // The agreement printed is pith agree's for the code, with the rejected hits gone.
    let agree = pith(["agree".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    assert!(agree.contains(&format!("code,risk.outage,risk.outage,{accepted},0,0,{priced},1.00,1.00")), "{agree}");
    let row: Vec<&str> = end
        .lines()
        .skip_while(|l| !l.starts_with("agreement on the code, as pith agree gives it:"))
        .find(|l| l.trim_start().starts_with("risk.outage"))
        .unwrap_or_else(|| panic!("no agreement row:\n{end}"))
        .split_whitespace()
        .collect();
    assert_eq!(row, ["risk.outage", "risk.outage", &accepted.to_string(), "0", "0", "1.00", "1.00"], "{end}");
    assert_eq!(csv_rows(&t.path().join("coding/rejected.csv")).len(), priced);
}

/// A study without lexicons of its own, where the built-in `risk.downtime` hits a vending
/// machine's outage and a few other things that are not downtime.
fn vending_study() -> TempStudy {
    let t = TempStudy::new();
    t.write("pith.toml", "title = \"Vending\"\nlanguage = \"english\"\ninterviewers = [\"Maya\"]\n");
    t.write(
        "transcripts/cy.txt",
        "Maya: Tell me about your week.\nCy: Every outage means downtime for the trading floor.\n\
         Maya: And the office?\nCy: The vending machine outage was the only excitement.\n\
         Maya: Anything planned?\nCy: Planned downtime for the carpets happens in August.\n",
    );
    t.write(
        "transcripts/di.txt",
        "Maya: Tell me about last spring.\nDi: Downtime from the outage last spring cost us a client.\n\
         Maya: And the lobby?\nDi: A vending outage in the lobby, nobody cared much.\n\
         Maya: And lunch?\nDi: Our cafeteria had an outage of coffee.\n",
    );
    t
}

/// Fills in a review sheet: `decide` gives each row's decision from its context column.
fn fill_sheet(sheet: &Path, decide: impl Fn(&str) -> &'static str) {
    let mut rows = csv_rows(sheet);
    for r in &mut rows {
        let d = decide(&r["in context"]);
        r.insert("decision".into(), d.into());
    }
    let mut w = csv::Writer::from_path(sheet).expect("sheet");
    w.write_record(rows[0].keys()).expect("header");
    for r in &rows {
        w.write_record(r.values()).expect("row");
    }
    w.flush().expect("flush");
}

#[test]
fn applied_decisions_on_a_built_in_code_write_exclusions_and_a_lower_weight_only_when_asked() {
    let t = vending_study();
    let sheet = t.path().join("sheet.csv");
    review_sheet(t.path(), "risk.downtime", &sheet, 20);
    // Accepted: the two passages with two terms of the code; rejected: the rest, two of them beside "vending".
    let accepted = lines_with(t.path(), "utage", "owntime").1;
    fill_sheet(
        &sheet,
        |context| if context.contains("trading") || context.contains("client") { "accept" } else { "reject" },
    );
    let apply = |write: bool| {
        let extra: &[&str] = if write { &["--write-lexicon"] } else { &[] };
        apply_sheet(t.path(), "risk.downtime", &sheet, extra).stdout()
    };
    let said = apply(false);
    let rejected = csv_rows(&t.path().join("coding/rejected.csv")).len();
    assert_eq!((accepted, rejected), (2, 4));
    assert!(said.contains("\"vending\" within 2 words of its terms: 1 exclusion, drops 2 rejected hits"), "{said}");
    assert!(said.contains("weight 1 to 0.5"), "{said}");
    assert!(said.contains("new file lexicons/review-risk-downtime.toml"), "{said}");
    assert!(said.contains("+   \"vending ~2 outage\","), "{said}");
    assert!(said.contains("it drops 4 of 4 rejected hits and 0 of 2 accepted hits"), "{said}");
    assert!(said.contains("not written"), "{said}");
    assert!(!t.path().join("lexicons").exists());
    let said = apply(true);
    assert!(said.contains("written: "), "{said}");
    let file = t.path().join("lexicons/review-risk-downtime.toml");
    let lexicon: toml::Value = toml::from_str(&std::fs::read_to_string(&file).expect("written")).expect("TOML");
    let code = &lexicon["codes"][0];
    assert_eq!(code["id"].as_str(), Some("risk.downtime"));
    assert_eq!(code["weight"].as_float(), Some(0.5));
    let not: Vec<&str> = code["not"].as_array().expect("not").iter().filter_map(|v| v.as_str()).collect();
    assert!(not.contains(&"vending ~2 outage") && not.contains(&"crash course"), "{not:?}");
    let terms = code["terms"].as_array().expect("terms");
    assert!(terms.iter().any(|t| t.as_str() == Some("outage")), "{terms:?}");
    // Every accepted hit is still a hit, every rejected one gone.
    let agree = pith(["agree".as_ref(), t.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]).stdout();
    assert!(agree.contains("code,risk.downtime,risk.downtime,2,0,0,"), "{agree}");
    // Nothing left to propose.
    assert!(apply(false).contains("no lexicon change proposed"));
}

#[test]
fn review_and_suggest_take_a_codebook_code_in_any_case_and_name_the_closest_for_an_unknown_one() {
    let t = outage_study();
    t.write("coding/codebook.csv", "code,parent,groups,description\nSite Outage,,,A site going down\n");
    t.write("coding/mapping.csv", "code,pith\nSite Outage,risk.outage\n");
    let sheet = t.path().join("sheet.csv");
    let review = |code: &str, extra: &[&std::ffi::OsStr]| {
        let mut args = vec!["review".as_ref(), t.path().as_os_str(), "--code".as_ref(), std::ffi::OsStr::new(code)];
        args.extend_from_slice(extra);
        pith(args)
    };
    review("site OUTAGE", &["--sheet".as_ref(), sheet.as_os_str()]).stdout();
    let rows = csv_rows(&sheet);
    assert_eq!(rows.len(), lines_with(t.path(), "outage", "").0 + lines_with(t.path(), "went down", "").0);
    fill_sheet(&sheet, |context| if context.contains("price") { "reject" } else { "accept" });
    apply_sheet(t.path(), "site outage", &sheet, &[]).stdout();
    // Recorded under the codebook's name, so that agreement and suggest count them for it.
    let accepted = csv_rows(&t.path().join("coding/selections/review.csv"));
    assert!(!accepted.is_empty() && accepted.iter().all(|r| r["code"] == "Site Outage"), "{accepted:?}");
    let (_, stderr) = review("Site Outgae", &["--sheet".as_ref(), sheet.as_os_str()]).status(2);
    assert!(stderr.contains("no code \"Site Outgae\"") && stderr.contains("closest: Site Outage"), "{stderr}");
    let suggest = |code: &str| pith(["lexicon", "suggest", t.path().to_str().expect("path"), "--code", code]);
    let by_name = suggest("SITE outage").stdout();
    let by_id = suggest("risk.outage").stdout();
    assert!(by_name.contains("Site Outage") && by_id.contains("Site Outage"), "{by_name}\n{by_id}");
    let (_, stderr) = suggest("site outgae").status(2);
    assert!(stderr.contains("closest: Site Outage"), "{stderr}");
}

#[test]
fn the_html_review_sheet_downloads_decisions_in_chromium_that_apply_reads() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() || Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipping: chromium or node missing");
        return;
    }
    let t = outage_study();
    let (page, csv) = (t.path().join("sheet.html"), t.path().join("decisions.csv"));
    let rows = review_sheet(t.path(), "risk.outage", &t.path().join("sheet.csv"), 20);
    pith([
        "review".as_ref(),
        t.path().as_os_str(),
        "--code".as_ref(),
        "risk.outage".as_ref(),
        "--sheet".as_ref(),
        page.as_os_str(),
    ])
    .stdout();
    let shot = t.path().join("sheet.png");
    let review = format!("review={}", csv.display());
    let script = crate::util::repo().join("tests/browser/check_html.mjs");
    let out = Command::new("node").arg(&script).arg(&page).arg(&shot).arg(&review).output().expect("node");
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    apply_sheet(t.path(), "risk.outage", &csv, &[]).stdout();
    // The script accepted the first passage and rejected the second, in the sheet's order.
    let key = |r: &BTreeMap<String, String>| (r["transcript"].clone(), r["start"].clone(), r["end"].clone());
    let accepted = csv_rows(&t.path().join("coding/selections/review.csv"));
    let rejected = csv_rows(&t.path().join("coding/rejected.csv"));
    assert_eq!(accepted.iter().map(key).collect::<Vec<_>>(), [key(&rows[0])]);
    assert_eq!(rejected.iter().map(key).collect::<Vec<_>>(), [key(&rows[1])]);
}

#[test]
fn no_change_is_proposed_that_would_drop_an_accepted_hit() {
    let t = outage_study();
    // A system whose price feed went down: "price" beside the term, and a real outage.
    t.write(
        "transcripts/cy.txt",
        "Maya: Any incidents?\nCy: Our price feed went down for an hour and the traders were blind.\n",
    );
    let sheet = t.path().join("sheet.csv");
    review_sheet(t.path(), "risk.outage", &sheet, 20);
    fill_sheet(
        &sheet,
        |context| {
            if context.contains("price") && !context.contains("feed") {
                "reject"
            } else {
                "accept"
            }
        },
    );
    let said = apply_sheet(t.path(), "risk.outage", &sheet, &["--write-lexicon"]).stdout();
    assert!(said.contains("no lexicon change proposed"), "{said}");
    assert!(!t.read("lexicons/study.toml").contains("not"));
}
