/// The independent side of the interop tests: Python `cryptography` + `pyjwt`.
///
/// Kept as a string (a `.py` file in the test target would be an unhandled resource).
/// Protocol: `python jose_interop.py REQUEST.json` prints one JSON object.
enum PythonScript {
    static let source = #"""
import base64, hashlib, hmac, json, sys
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def b64u_int(value, length=None):
    length = length or max(1, (value.bit_length() + 7) // 8)
    return b64u(value.to_bytes(length, "big"))

def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

def generate(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "p521":
        return ec.generate_private_key(ec.SECP521R1())
    if kind == "secp256k1":
        return ec.generate_private_key(ec.SECP256K1())
    raise ValueError("unknown key kind")

KIND_FOR_ALG = {"RS256": "rsa", "RS384": "rsa", "RS512": "rsa", "PS256": "rsa", "PS384": "rsa",
                "PS512": "rsa", "ES256": "p256", "ES384": "p384"}

def public_jwk(private_key):
    public = private_key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"kty": "RSA", "n": b64u_int(numbers.n), "e": b64u_int(numbers.e)}
    numbers = public.public_numbers()
    size = (public.curve.key_size + 7) // 8
    crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(public.curve.name, public.curve.name)
    return {"kty": "EC", "crv": crv, "x": b64u_int(numbers.x, size), "y": b64u_int(numbers.y, size)}

def public_pem(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

def private_pem(private_key, fmt, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return private_key.private_bytes(serialization.Encoding.PEM, fmt, encryption).decode()

def op_sign(request):
    alg = request["alg"]
    key = generate(KIND_FOR_ALG[alg])
    headers = {"kid": request["kid"]} if request.get("kid") else None
    token = jwt.encode(request["claims"], key, algorithm=alg, headers=headers)
    jwk = public_jwk(key)
    if request.get("kid"):
        jwk["kid"] = request["kid"]
    return {"token": token, "jwk": jwk, "public_pem": public_pem(key)}

def op_verify(request):
    try:
        claims = jwt.decode(request["token"], request["public_pem"], algorithms=[request["alg"]],
                            audience=request["audience"], issuer=request["issuer"],
                            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        header = jwt.get_unverified_header(request["token"])
        return {"ok": True, "claims": claims, "header": header}
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}

def op_keys(request):
    key = generate(request["kind"])
    traditional = serialization.PrivateFormat.TraditionalOpenSSL
    pkcs8 = serialization.PrivateFormat.PKCS8
    return {
        "pkcs8": private_pem(key, pkcs8),
        "traditional": private_pem(key, traditional),
        "encrypted_pkcs8": private_pem(key, pkcs8, b"secret-pass"),
        "encrypted_traditional": private_pem(key, traditional, b"secret-pass"),
        "public_pem": public_pem(key),
        "jwk": public_jwk(key),
    }

def op_hmac_forge(request):
    # The classic algorithm-confusion forgery: HS256 keyed with the RSA public key's PEM bytes.
    header = b64u(json.dumps({"alg": request.get("alg", "HS256"), "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64u(json.dumps(request["claims"], separators=(",", ":")).encode())
    signing_input = (header + "." + payload).encode()
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[request.get("alg", "HS256")]
    mac = hmac.new(request["secret"].encode(), signing_input, digest).digest()
    return {"token": signing_input.decode() + "." + b64u(mac)}

def op_rfc7515_a2_key(request):
    n = int.from_bytes(unb64u(request["n"]), "big")
    e = int.from_bytes(unb64u(request["e"]), "big")
    d = int.from_bytes(unb64u(request["d"]), "big")
    p = int.from_bytes(unb64u(request["p"]), "big")
    q = int.from_bytes(unb64u(request["q"]), "big")
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n))
    key = numbers.private_key()
    return {"pkcs8": private_pem(key, serialization.PrivateFormat.PKCS8),
            "traditional": private_pem(key, serialization.PrivateFormat.TraditionalOpenSSL)}

def op_sign_pss(request):
    # PS256 by hand with a chosen salt length (pyjwt always uses salt = hash length).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    key = generate("rsa")
    header = b64u(json.dumps({"alg": "PS256"}, separators=(",", ":")).encode())
    payload = b64u(json.dumps(request["claims"], separators=(",", ":")).encode())
    signing_input = (header + "." + payload).encode()
    salt = request["salt_length"]
    salt = padding.PSS.MAX_LENGTH if salt == "max" else salt
    signature = key.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt), hashes.SHA256())
    return {"token": signing_input.decode() + "." + b64u(signature), "jwk": public_jwk(key)}

OPERATIONS = {"sign_pss": op_sign_pss, "sign": op_sign, "verify": op_verify, "keys": op_keys, "hmac_forge": op_hmac_forge,
              "rfc7515_a2_key": op_rfc7515_a2_key}

with open(sys.argv[1]) as handle:
    request = json.load(handle)
print(json.dumps(OPERATIONS[request["op"]](request)))
"""#
}
