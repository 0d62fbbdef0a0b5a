//! Generates the client from the OpenAPI 3.0 rendition of the spec (progenitor reads 3.0 only;
//! `make openapi` writes openapi/lbaas-3.0.json with @apiture/openapi-down-convert).
fn main() {
    let path = "../../openapi/lbaas-3.0.json";
    println!("cargo:rerun-if-changed={path}");
    let file = std::fs::File::open(path).expect("open openapi/lbaas-3.0.json");
    let spec: openapiv3::OpenAPI = serde_json::from_reader(file).expect("parse the 3.0 spec");
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).expect("generate the client");
    let ast = syn::parse2(tokens).expect("parse the generated code");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("codegen.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).expect("write the client");
}
