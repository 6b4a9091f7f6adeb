package io.fleetlink.agent.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.config.AgentPermission;
import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.protocol.AgentRpc;
import io.fleetlink.security.CertificateNames;

/**
 * Mutual TLS on the agent: with {@code fleetlink.agent.tls.client-ca-file} the TLS layer already refused
 * every caller without a certificate from the fleet CA (or with an expired one); this checks that the
 * certificate names a controller ({@code fleetlink.agent.auth.controller-names}), so a certificate the
 * CA issued to a GPU machine is no key to another machine. Both gates ask it before the token.
 * At start-up, the agent's own certificate being expired or not yet valid stops it with the dates.
 */
@ApplicationScoped
public class ControllerCertificates {

    private final boolean required;
    private final boolean tls;
    private final Set<String> names;
    private final java.util.Map<String, Set<AgentPermission>> limits;

    public ControllerCertificates(FleetlinkConfig fleetlink, AgentConfig config) {
        boolean agent = fleetlink.role().runsAgent();
        this.required = agent && config.tls().clientCaFile().isPresent();
        this.tls = agent && config.tls().certFile().isPresent();
        this.names = Set.copyOf(config.auth().controllerNames().orElse(Set.of()));
        this.limits = java.util.Map.copyOf(config.auth().certificateOperations());
        for (String name : limits.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalStateException("fleetlink.agent.auth.certificate-operations." + name
                        + ": '" + name + "' is not one of fleetlink.agent.auth.controller-names " + names);
            }
        }
        if (required && names.isEmpty()) {
            throw new IllegalStateException("fleetlink.agent.tls.client-ca-file is set (mutual TLS) but "
                    + "fleetlink.agent.auth.controller-names is not: name the controllers' certificates, e.g. "
                    + "fleetlink.agent.auth.controller-names=fleetlink-controller");
        }
        if (agent && config.tls().certFile().isPresent()) {
            checkOwnCertificate(config.tls().certFile().get());
        }
    }

    /** True when callers must present a controller's certificate. */
    public boolean required() {
        return required;
    }

    /** Why the caller of this TLS session is refused; empty when it may go on to the token check. */
    public Optional<String> refusal(SSLSession session) {
        if (!required) {
            // Fail closed should a port ever come up without the TLS the agent is configured with.
            return tls && session == null
                    ? Optional.of("this agent serves TLS only (fleetlink.agent.tls.cert-file); connect with TLS")
                    : Optional.empty();
        }
        if (session == null) {
            return Optional.of("mutual TLS is required: connect with TLS and a client certificate from the fleet CA");
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.of("mutual TLS is required: no client certificate was presented");
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
            return Optional.of("mutual TLS is required: no X.509 client certificate was presented");
        }
        List<String> presented = names(certificate);
        if (presented.stream().noneMatch(names::contains)) {
            return Optional.of("the client certificate names " + presented + ", none of fleetlink.agent.auth.controller-names");
        }
        return Optional.empty();
    }

    /**
     * Why the caller of this (accepted) TLS session may not call {@code operation} through its
     * certificate ({@code fleetlink.agent.auth.certificate-operations}); empty when the certificate sets no
     * limit or allows it.
     */
    public Optional<String> operationRefusal(SSLSession session, AgentRpc operation) {
        if (!required || limits.isEmpty() || session == null) {
            return Optional.empty();
        }
        Optional<AgentPermission> needed = AgentPermission.requiredBy(operation);
        if (needed.isEmpty()) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
                return Optional.empty();
            }
            for (String name : names(certificate)) {
                Set<AgentPermission> limit = limits.get(name);
                if (limit != null && names.contains(name) && !limit.contains(needed.get())) {
                    return Optional.of("certificate '" + name + "' may not call " + operation.configName() + " (it needs '"
                            + needed.get().configName() + "' in fleetlink.agent.auth.certificate-operations." + name + ")");
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty(); // refusal() already turned such a caller away
        }
        return Optional.empty();
    }

    /** The subject alternative DNS names and IP addresses of a certificate, then its common name. */
    public static List<String> names(X509Certificate certificate) {
        return CertificateNames.names(certificate);
    }

    /** Stops start-up when the agent's own certificate is expired or not yet valid, saying which and when. */
    public static void checkOwnCertificate(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Certificate first = CertificateFactory.getInstance("X.509").generateCertificate(in);
            if (first instanceof X509Certificate certificate) {
                certificate.checkValidity();
            }
        } catch (CertificateExpiredException e) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file: " + file + " has expired (" + e.getMessage()
                    + "); install a new certificate", e);
        } catch (CertificateNotYetValidException e) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file: " + file + " is not valid yet (" + e.getMessage()
                    + "); check the machine's clock or the certificate's dates", e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("fleetlink.agent.tls.cert-file: cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
