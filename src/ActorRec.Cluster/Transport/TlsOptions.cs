using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// Optional TLS for node-to-node connections: one cluster certificate (PKCS#12) shared by all nodes, presented by
/// both sides and pinned by thumbprint, so self-signed certificates work without a CA. TLS adds confidentiality and
/// integrity on the wire; the HMAC handshake inside it still decides who is a member.
/// </summary>
internal sealed class TlsOptions
{
    private const string TargetHost = "actorrec-cluster";
    private readonly X509Certificate2 _certificate;
    private readonly string _thumbprint;

    private TlsOptions(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _thumbprint = certificate.GetCertHashString();
    }

    public static TlsOptions? From(ClusterSettings settings)
    {
        if (!settings.TlsEnabled)
        {
            return null;
        }

        var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.TlsCertificatePath,
            settings.TlsCertificatePassword.Length == 0 ? null : settings.TlsCertificatePassword);
        if (!certificate.HasPrivateKey)
        {
            throw new ClusterSettingsException(ClusterSettings.Section + ".transport.tls.certificate-path", "the certificate file holds no private key");
        }

        return new TlsOptions(certificate);
    }

    public async Task<Stream> AuthenticateAsClientAsync(Stream inner, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = TargetHost,
            ClientCertificates = [_certificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => IsClusterCertificate(certificate),
        }, cancellationToken).ConfigureAwait(false);
        return ssl;
    }

    public async Task<Stream> AuthenticateAsServerAsync(Stream inner, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => IsClusterCertificate(certificate),
        }, cancellationToken).ConfigureAwait(false);
        return ssl;
    }

    private bool IsClusterCertificate(X509Certificate? certificate) =>
        certificate is not null && string.Equals(certificate.GetCertHashString(), _thumbprint, StringComparison.OrdinalIgnoreCase);
}
