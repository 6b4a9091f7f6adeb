package io.fleetlink.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The names a certificate carries, and whether one of them is a given host name or address. Both
 * ends of mutual TLS use it: the agent to find the controller's name, the controller to find the host
 * it called.
 */
public final class CertificateNames {

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private CertificateNames() {
    }

    /** The subject alternative DNS names and IP addresses of a certificate, then its common name. */
    public static List<String> names(X509Certificate certificate) {
        Set<String> names = new LinkedHashSet<>(alternativeNames(certificate));
        names.addAll(commonNames(certificate));
        return new ArrayList<>(names);
    }

    /**
     * True when the certificate names {@code wanted} (a host name or an IP literal): a DNS name equal to
     * it (ignoring case; a leading {@code *.} matches one label) or an IP address equal to it. As in
     * RFC 6125, the common name counts only when the certificate has no DNS name or IP address.
     */
    public static boolean names(X509Certificate certificate, String wanted) {
        if (wanted == null || wanted.isBlank()) {
            return false;
        }
        List<String> alternatives = alternativeNames(certificate);
        for (String name : alternatives.isEmpty() ? commonNames(certificate) : alternatives) {
            if (matches(name, wanted)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String name, String wanted) {
        if (isIpLiteral(name) || isIpLiteral(wanted)) {
            return isIpLiteral(name) && isIpLiteral(wanted) && sameAddress(name, wanted);
        }
        String n = name.toLowerCase(Locale.ROOT);
        String w = wanted.toLowerCase(Locale.ROOT);
        if (n.equals(w)) {
            return true;
        }
        if (n.startsWith("*.") && n.length() > 2) {
            int dot = w.indexOf('.');
            return dot > 0 && w.substring(dot + 1).equals(n.substring(2));
        }
        return false;
    }

    private static boolean isIpLiteral(String value) {
        return value.indexOf(':') >= 0 || IPV4.matcher(value).matches();
    }

    /** Both are literals, so no name is looked up. */
    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(strip(a)).equals(InetAddress.getByName(strip(b)));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String strip(String literal) {
        return literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1) : literal;
    }

    private static List<String> alternativeNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    int type = (Integer) entry.get(0);
                    if (type == 2 || type == 7) { // dNSName, iPAddress
                        names.add(String.valueOf(entry.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // No readable alternative names: the common name is all there is.
        }
        return names;
    }

    private static List<String> commonNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // A subject that is no LDAP name has no common name to offer.
        }
        return names;
    }
}
