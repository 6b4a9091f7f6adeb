package io.fleetlink.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a certificate's name is compared with a host's id or address (no Quarkus, no files). */
class CertificateNamesTest {

    @Test
    void dnsNamesMatchIgnoringCaseAndAWildcardCoversOneLabel() {
        assertThat(CertificateNames.matches("GPU-01", "gpu-01")).isTrue();
        assertThat(CertificateNames.matches("gpu-01", "gpu-02")).isFalse();
        assertThat(CertificateNames.matches("*.dc1.internal", "gpu-01.dc1.internal")).isTrue();
        assertThat(CertificateNames.matches("*.dc1.internal", "a.gpu-01.dc1.internal")).isFalse();
        assertThat(CertificateNames.matches("*.dc1.internal", "dc1.internal")).isFalse();
    }

    @Test
    void addressesMatchAsAddressesAndNeverAsNames() {
        assertThat(CertificateNames.matches("127.0.0.1", "127.0.0.1")).isTrue();
        assertThat(CertificateNames.matches("0:0:0:0:0:0:0:1", "::1")).isTrue();
        assertThat(CertificateNames.matches("0:0:0:0:0:0:0:1", "[::1]")).isTrue();
        assertThat(CertificateNames.matches("10.0.0.11", "10.0.0.12")).isFalse();
        assertThat(CertificateNames.matches("gpu-01", "10.0.0.11")).isFalse();
        assertThat(CertificateNames.matches("10.0.0.11", "gpu-01")).isFalse();
        assertThat(CertificateNames.matches("*.0.0.11", "10.0.0.11")).isFalse();
    }
}
