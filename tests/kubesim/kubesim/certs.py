"""Generates a CA and a serving certificate with openssl (never committed; made at start-up)."""
import os
import subprocess


def _run(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(directory, name="kubesim-ca"):
    key, crt = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.crt")
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={name}",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, crt


def make_serving_cert(directory, prefix, ca_key, ca_crt, dns_names, ips):
    key, csr, crt = (os.path.join(directory, f"{prefix}.{ext}") for ext in ("key", "csr", "crt"))
    sans = ",".join([f"DNS:{d}" for d in dns_names] + [f"IP:{i}" for i in ips])
    ext = os.path.join(directory, f"{prefix}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={sans}\nextendedKeyUsage=serverAuth,clientAuth\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n")
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", csr, "-subj", f"/CN={dns_names[0]}")
    _run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
         "-out", crt, "-days", "2", "-extfile", ext)
    return key, crt
