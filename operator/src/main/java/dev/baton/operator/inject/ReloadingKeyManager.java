package dev.baton.operator.inject;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's server key manager: serves the PEM certificate and key of {@link PemKeys} and loads them
 * again when the files change, so a certificate renewed by cert-manager (or replaced in the Secret) is
 * served on new TLS connections without restarting the operator.
 *
 * <p>Each server handshake first compares a cheap stamp of both files (the real path behind the
 * symlinks, modification time, size): kubelet updates a Secret volume by pointing its {@code ..data}
 * symlink at a new directory, which changes the real path; a file rewritten in place changes its time
 * or size. A changed pair that does not load (half written, or a key that is not the certificate's)
 * keeps the previous certificate serving and is logged once; the next change is tried again.
 *
 * <p>Every loaded pair gets its own alias, and the alias chosen for a handshake is looked up in the
 * current or the previous pair, so a reload in the middle of a handshake never mixes a certificate
 * with the other pair's key.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);

  private final Path certFile;
  private final Path keyFile;
  private final AtomicLong generation = new AtomicLong();
  private volatile Loaded current;
  private volatile Loaded previous;
  /** The stamp of the last pair that failed to load: logged once, not again on every handshake. */
  private volatile Stamp failed;

  /** Loads the pair now; a pair that does not load fails here (at start the operator has nothing to serve). */
  ReloadingKeyManager(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = load(stamp());
  }

  private record Stamp(Path certReal, FileTime certModified, long certSize, Path keyReal, FileTime keyModified, long keySize) {}

  private record Loaded(String alias, Stamp stamp, X509Certificate[] chain, X509ExtendedKeyManager keys) {}

  private Stamp stamp() throws IOException {
    BasicFileAttributes cert = Files.readAttributes(certFile, BasicFileAttributes.class);
    BasicFileAttributes key = Files.readAttributes(keyFile, BasicFileAttributes.class);
    return new Stamp(certFile.toRealPath(), cert.lastModifiedTime(), cert.size(),
        keyFile.toRealPath(), key.lastModifiedTime(), key.size());
  }

  private Loaded load(Stamp stamp) throws IOException, GeneralSecurityException {
    X509Certificate[] chain = PemKeys.certificates(certFile);
    PrivateKey key = PemKeys.privateKey(keyFile);
    PemKeys.checkPair(chain[0], key, certFile, keyFile);
    String alias = "webhook-" + generation.incrementAndGet();
    return new Loaded(alias, stamp, chain, PemKeys.keyManager(alias, chain, key));
  }

  /** Loads the files again when their stamp changed; keeps the current pair when they do not load. */
  private Loaded refresh() {
    Loaded now = current;
    Stamp stamp;
    try {
      stamp = stamp();
    } catch (IOException e) {
      // Mid-swap or removed: serve what we have and look again on the next handshake.
      return now;
    }
    if (stamp.equals(now.stamp) || stamp.equals(failed)) {
      return now;
    }
    synchronized (this) {
      if (current != now) {
        return current;
      }
      try {
        Loaded fresh = load(stamp);
        previous = now;
        current = fresh;
        failed = null;
        LOG.info("webhook certificate reloaded from {}: serial {}, subject {}, valid until {}", certFile,
            fresh.chain[0].getSerialNumber().toString(16), fresh.chain[0].getSubjectX500Principal().getName(),
            fresh.chain[0].getNotAfter().toInstant());
        return fresh;
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        failed = stamp;
        LOG.warn("webhook certificate not reloaded, still serving serial {}: {} (write tls.crt and tls.key as a"
            + " matching PEM pair; the next change is tried again)", now.chain[0].getSerialNumber().toString(16),
            e.getMessage());
        return now;
      }
    }
  }

  private Loaded byAlias(String alias) {
    Loaded now = current;
    if (Objects.equals(now.alias, alias)) {
      return now;
    }
    Loaded before = previous;
    return before != null && Objects.equals(before.alias, alias) ? before : null;
  }

  // The JDK's own key manager of the pair decides whether its key suits the handshake's key type.
  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return refresh().keys.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return refresh().keys.chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current.keys.getServerAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Loaded pair = byAlias(alias);
    return pair == null ? null : pair.keys.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Loaded pair = byAlias(alias);
    return pair == null ? null : pair.keys.getPrivateKey(alias);
  }

  // A server: no client certificates.
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
