package dev.baton.operator.inject;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * An {@link SSLContext} from the PEM files of a {@code kubernetes.io/tls} Secret ({@code tls.crt},
 * {@code tls.key}) without BouncyCastle. Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA or EC) and
 * PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}), which is what Helm's genSignedCert and cert-manager's
 * default encoding write.
 */
final class PemKeys {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
  // AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, DER.
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private PemKeys() {}

  /** A server context whose certificate follows the files: see {@link ReloadingKeyManager}. */
  static SSLContext serverContext(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {new ReloadingKeyManager(certFile, keyFile)}, null, null);
    return context;
  }

  static X509Certificate[] certificates(Path certFile) throws IOException, GeneralSecurityException {
    X509Certificate[] chain;
    try {
      chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certFile))).toArray(X509Certificate[]::new);
    } catch (CertificateException e) {
      throw new GeneralSecurityException(certFile + " is not a whole PEM certificate chain: " + e.getMessage(), e);
    }
    if (chain.length == 0) {
      throw new GeneralSecurityException(certFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return chain;
  }

  /** Fails unless {@code key} is the private half of the certificate's public key (a test signature). */
  static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
      throws GeneralSecurityException {
    PublicKey publicKey = cert.getPublicKey();
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      throw new GeneralSecurityException(keyFile + " holds an " + key.getAlgorithm() + " key but " + certFile
          + " certifies an " + publicKey.getAlgorithm() + " key: they are not a pair");
    }
    String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "baton-webhook key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(publicKey);
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException(keyFile + " is not the key of the certificate in " + certFile
          + " (serial " + cert.getSerialNumber().toString(16) + "): they are not a pair");
    }
  }

  /** The JDK's own key manager (SunX509, which answers with the key store's alias) for one pair. */
  static X509ExtendedKeyManager keyManager(String alias, X509Certificate[] chain, PrivateKey key)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = new char[0];
    store.setKeyEntry(alias, key, password, chain);
    KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
    keys.init(store, password);
    return (X509ExtendedKeyManager) keys.getKeyManagers()[0];
  }

  static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException {
    Matcher m = BLOCK.matcher(Files.readString(keyFile, StandardCharsets.US_ASCII));
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
      switch (m.group(1)) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1(der)));
        case "EC PRIVATE KEY":
          throw new GeneralSecurityException(keyFile + " holds a SEC1 EC key: write it as PKCS#8 (cert-manager:"
              + " spec.privateKey.encoding: PKCS8; openssl pkcs8 -topk8 -nocrypt)");
        default:
          // a certificate or parameters block in the same file: look further
      }
    }
    throw new GeneralSecurityException(keyFile + " holds no PEM private key (-----BEGIN PRIVATE KEY----- or"
        + " -----BEGIN RSA PRIVATE KEY-----)");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException notRsa) {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    }
  }

  /** PKCS#8 PrivateKeyInfo = SEQUENCE { INTEGER 0, rsaEncryption, OCTET STRING { the PKCS#1 key } }. */
  private static byte[] wrapPkcs1(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(derLength(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(0x30);
    info.writeBytes(derLength(body.size()));
    info.writeBytes(body.toByteArray());
    return info.toByteArray();
  }

  private static byte[] derLength(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    if (length < 0x100) {
      return new byte[] {(byte) 0x81, (byte) length};
    }
    if (length < 0x10000) {
      return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
    }
    return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
  }
}
