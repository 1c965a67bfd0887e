using ActorRec.Actors.TestKit;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Transport;

public sealed class TlsTests : TransportTestBase, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorrec-tls-").FullName;

    private string SelfSignedPfx(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_dir, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "pfx-pass"));
        return path;
    }

    private static ClusterSettings WithTls(ClusterSettings s, string pfx) =>
        (s with { TlsEnabled = true, TlsCertificatePath = pfx, TlsCertificatePassword = "pfx-pass" }).Validate();

    [Fact]
    public async Task Envelopes_flow_over_tls_with_a_pinned_self_signed_cluster_certificate()
    {
        var pfx = SelfSignedPfx("cluster");
        var (a, _) = Start(WithTls(Settings("a"), pfx));
        var (b, bh) = Start(WithTls(Settings("b"), pfx));
        for (var i = 0; i < 100; i++)
        {
            a.Send(b.Self.Address, Envelope(i, payloadBytes: 1000));
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        }
    }

    [Fact]
    public async Task A_node_with_another_certificate_or_without_tls_is_refused()
    {
        var time = new VirtualTimeProvider();
        var log = new ListLogger();
        var (b, bh) = Start(WithTls(Settings("b"), SelfSignedPfx("cluster")), time, log);
        var (other, _) = Start(WithTls(Settings("other-cert"), SelfSignedPfx("rogue")), time);
        var (plain, _) = Start(Settings("plain"), time);

        other.Send(b.Self.Address, Envelope(1));
        plain.Send(b.Self.Address, Envelope(2));

        var first = await log.WaitForAsync(1106);
        Assert.Contains("127.0.0.1:", first.Message, StringComparison.Ordinal);
        Assert.Empty(b.ConnectedPeers());
        Assert.False(bh.Envelopes.Reader.TryRead(out _));
    }

    [Fact]
    public void Tls_without_a_certificate_file_names_the_key()
    {
        var ex = Assert.Throws<ClusterSettingsException>(() => (Settings("a") with { TlsEnabled = true, TlsCertificatePath = "/nope.pfx" }).Validate());
        Assert.Equal("actorrec.cluster.transport.tls.certificate-path", ex.Key);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
