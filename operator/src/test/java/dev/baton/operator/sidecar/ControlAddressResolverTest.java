package dev.baton.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlAddressResolverTest {
  private final ControlAddressResolver resolver = ControlAddressResolver.standard();

  private static PodBuilder pod(String ip, String portName) {
    return new PodBuilder().withNewMetadata().withName("web-0").endMetadata()
        .withNewSpec().addNewContainer().withName("app").addNewPort().withName(portName).withContainerPort(8686).endPort()
        .endContainer().endSpec().withNewStatus().withPodIP(ip).endStatus();
  }

  @Test
  void podIpAndThePortNamedBaton() {
    assertThat(resolver.resolve(pod("10.1.2.3", "baton").build())).contains(URI.create("http://10.1.2.3:8686/"));
    assertThat(resolver.resolve(pod("fd00::7", "baton").build())).contains(URI.create("http://[fd00::7]:8686/"));
  }

  @Test
  void theAnnotationOverrides() {
    Pod p = pod("10.1.2.3", "baton").editMetadata()
        .addToAnnotations(ControlAddressResolver.ADDRESS_ANNOTATION, "127.0.0.1:9999").endMetadata().build();
    assertThat(resolver.resolve(p)).contains(URI.create("http://127.0.0.1:9999/"));
  }

  @Test
  void saysWhyNot() {
    Pod noPort = pod("10.1.2.3", "http").build();
    assertThat(resolver.resolve(noPort)).isEqualTo(Optional.empty());
    assertThat(resolver.whyNot(noPort)).isEqualTo("pod web-0 has no container port named 'baton'");
    Pod noIp = pod(null, "baton").build();
    assertThat(resolver.resolve(noIp)).isEmpty();
    assertThat(resolver.whyNot(noIp)).isEqualTo("pod web-0 has no IP yet");
  }
}
