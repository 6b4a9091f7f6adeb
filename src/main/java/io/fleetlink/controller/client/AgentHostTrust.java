package io.fleetlink.controller.client;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.fleetlink.security.CertificateNames;

/**
 * The controller's check of one agent's certificate: it chains to the fleet CA
 * ({@code agent.tls-cert-file}), is valid today, and names the host the controller called, by its
 * registered host id or by its address (a certificate for {@code gpu-01} works whether the host is
 * registered by name or by IP, as long as the certificate says so). Replaces TLS host name
 * verification, which knows only the address. A refusal says which names the certificate had.
 */
final class AgentHostTrust extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager ca;
    private final String hostId;
    private final String address;

    AgentHostTrust(X509ExtendedTrustManager ca, String hostId, String address) {
        this.ca = ca;
        this.hostId = hostId;
        this.address = address;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("agent " + hostId + " presented no certificate");
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CertificateException("the certificate of agent " + hostId + " (" + address + ") has expired: it was valid until "
                    + leaf.getNotAfter().toInstant() + "; install a new one on that machine (fleetlink.agent.tls.cert-file)", e);
        } catch (CertificateNotYetValidException e) {
            throw new CertificateException("the certificate of agent " + hostId + " (" + address + ") is not valid yet: it is valid from "
                    + leaf.getNotBefore().toInstant() + "; check that machine's clock and the certificate's dates", e);
        }
        try {
            // Chain and CA only: the name is checked below, against the host id as well as the address.
            ca.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw new CertificateException("the certificate of agent " + hostId + " (" + address + ") is not from the fleet CA in "
                    + "agent.tls-cert-file: " + e.getMessage(), e);
        }
        if (!CertificateNames.names(leaf, hostId) && !CertificateNames.names(leaf, address)) {
            throw new CertificateException("the certificate of agent " + hostId + " names " + CertificateNames.names(leaf)
                    + ", neither its host id '" + hostId + "' nor its address '" + address
                    + "': it belongs to another host; install the certificate issued for " + hostId + " on that machine");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the controller's trust in agents checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca.getAcceptedIssuers();
    }
}
