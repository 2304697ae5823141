#!/usr/bin/env python3
"""Makes the C2PA-signed test images in Fixtures/c2pa/ (committed beside this script), so the
test suite needs no Python: signed.png (caBX chunk), signed.jpg (APP11 JUMBF), signed.webp (C2PA
chunk), each from gradient-rgb.png, signed with a throwaway test certificate made here (an ES256
root and a signer under it; the private keys are not kept).

The manifest says what a provider's manifest says of a generated image: a c2pa.created action
with IPTC's trainedAlgorithmicMedia, and the claim generator "imagepipe-test-fixtures 1.0",
which `imagepipe info` reads back. Each file is read back with c2pa's Reader: its validation state
must be Valid (the test root is untrusted, as expected: signingCredential.untrusted), and a copy
with one byte appended to the pixels' chunk must not be (so the tests' "bytes unchanged" checks
protect something real).

    python3 -m venv /tmp/c2pa && /tmp/c2pa/bin/pip install c2pa-python cryptography pillow
    /tmp/c2pa/bin/python Fixtures/make-c2pa-fixtures.py
"""
import datetime, io, json, os, sys

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "c2pa")
GENERATOR = {"name": "imagepipe-test-fixtures", "version": "1.0"}


def name(common):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "imagepipe tests")])


def test_signer():
    """An ES256 signer certificate under a test root, with the extensions C2PA's profile asks for."""
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    end = start + datetime.timedelta(days=3650)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("imagepipe test root")).issuer_name(name("imagepipe test root"))
            .public_key(root_key.public_key()).serial_number(1).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name("imagepipe test signer")).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False)
            .sign(root_key, hashes.SHA256()))
    chain = leaf.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg=b"es256", sign_cert=chain, private_key=private, ta_url=None))


def validation(path):
    report = json.loads(c2pa.Reader(path).json())
    return report.get("validation_state"), [s.get("code") for s in report.get("validation_status", [])]


def main():
    os.makedirs(OUT, exist_ok=True)
    # No thumbnail in the manifest: it only makes the fixtures larger (a WebP's was 350 KB).
    context = c2pa.Context(c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
    signer = test_signer()
    manifest = {
        "claim_generator_info": [GENERATOR],
        "title": "imagepipe test fixture",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        }]}}],
    }
    source = Image.open(os.path.join(HERE, "gradient-rgb.png")).convert("RGB")
    for extension, mime, pil_format in [("png", "image/png", "PNG"), ("jpg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")]:
        unsigned = io.BytesIO()
        source.save(unsigned, pil_format, **({"quality": 85} if pil_format != "PNG" else {}))
        unsigned.seek(0)
        path = os.path.join(OUT, f"signed.{extension}")
        with open(path, "w+b") as signed:
            c2pa.Builder(json.dumps(manifest), context=context).sign(signer, mime, unsigned, signed)
        state, codes = validation(path)
        if state != "Valid":
            sys.exit(f"{path}: validation state {state} {codes}")
        # Altered bytes must not validate: change the last byte before the end of the file's
        # image data (the last byte of the file for WebP's RIFF would also be caught).
        data = bytearray(open(path, "rb").read())
        tampered = path + ".tampered"
        data[len(data) // 2] ^= 0x01
        open(tampered, "wb").write(data)
        try:
            tampered_state, tampered_codes = validation(tampered)
        except c2pa.C2paError as error:
            tampered_state, tampered_codes = "unreadable", [str(error)]
        os.remove(tampered)
        if tampered_state == "Valid":
            sys.exit(f"{path}: a changed byte still validates")
        print(f"{path}: {os.path.getsize(path)} bytes, {state} ({', '.join(codes)}); a changed byte: {tampered_state}")


if __name__ == "__main__":
    main()
