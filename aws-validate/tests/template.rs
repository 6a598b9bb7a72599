//! deploy/template.yaml parses as YAML and declares the four functions the way Lambda and the
//! deploy scripts expect.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/template.yaml");
    let text = std::fs::read_to_string(&path).expect("read deploy/template.yaml");
    let mut docs = YamlLoader::load_from_str(&text).expect("deploy/template.yaml is valid YAML");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

#[test]
fn sam_template_declares_four_functions() {
    let doc = template();
    assert_eq!(
        doc["Transform"].as_str(),
        Some("AWS::Serverless-2016-10-31")
    );
    let memory = &doc["Parameters"]["MemorySize"];
    assert_eq!(memory["Type"].as_str(), Some("Number"));
    assert_eq!(memory["Default"].as_i64(), Some(128));

    let globals = &doc["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(globals["MemorySize"]["Ref"].as_str(), Some("MemorySize"));

    let expected = [
        (
            "MinimalX86",
            "x86_64",
            "../target/lambda/minimal/bootstrap.zip",
        ),
        (
            "MinimalArm64",
            "arm64",
            "../target/lambda/minimal-arm64/bootstrap.zip",
        ),
        (
            "FibonacciX86",
            "x86_64",
            "../target/lambda/fibonacci/bootstrap.zip",
        ),
        (
            "FibonacciArm64",
            "arm64",
            "../target/lambda/fibonacci-arm64/bootstrap.zip",
        ),
    ];
    let resources = doc["Resources"].as_hash().expect("Resources is a mapping");
    assert_eq!(resources.len(), expected.len());
    for (name, arch, code_uri) in expected {
        let function = &doc["Resources"][name];
        assert_eq!(
            function["Type"].as_str(),
            Some("AWS::Serverless::Function"),
            "{name}"
        );
        let properties = &function["Properties"];
        let architectures = properties["Architectures"]
            .as_vec()
            .expect("Architectures is a list");
        assert_eq!(architectures, &vec![Yaml::String(arch.into())], "{name}");
        assert_eq!(properties["CodeUri"].as_str(), Some(code_uri), "{name}");
        // The zip layout the deploy script uses.
        let script = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/deploy.sh"),
        )
        .unwrap();
        let layout = if arch == "arm64" {
            "$ZIP_DIR/$1-arm64/bootstrap.zip"
        } else {
            "$ZIP_DIR/$1/bootstrap.zip"
        };
        assert!(script.contains(layout), "deploy.sh does not use {layout}");
        assert!(
            doc["Outputs"][format!("{name}Arn").as_str()]["Value"]["Fn::GetAtt"]
                .as_vec()
                .is_some(),
            "{name}"
        );
    }
}
