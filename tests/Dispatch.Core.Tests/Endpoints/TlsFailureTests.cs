using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Endpoints;

/// <summary>
/// Real TLS handshakes that fail, over real sockets: the call's message says why (what .NET's inner
/// exception says), not "see inner exception".
/// </summary>
public class TlsFailureTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task Https_to_a_plain_http_port_fails_as_connection_saying_why_the_handshake_failed()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

        var result = await SendTo($"https://127.0.0.1:{upstream.Port}");

        Assert.Equal(ErrorKind.Connection, result.Outcome.Kind);
        Assert.StartsWith("the connection failed: The SSL connection could not be established: ", result.Outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", result.Outcome.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_self_signed_certificate_fails_as_connection_naming_the_certificate_problem()
    {
        await using var server = await SelfSignedServerAsync();

        var result = await SendTo(AddressOf(server));

        Assert.Equal(ErrorKind.Connection, result.Outcome.Kind);
        Assert.StartsWith("the connection failed: The SSL connection could not be established: The remote certificate is invalid", result.Outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", result.Outcome.Message, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<AttemptResult> SendTo(string baseUrl)
    {
        using var session = new EndpointSession(new EndpointOptions("chat", baseUrl) { Path = "/v1/chat/completions" }, _clock);
        return await session.SendAsync(new APICalling("c1", "chat", """{"messages":[]}"""), CancellationToken.None);
    }

    /// <summary>A Kestrel HTTPS server on a free loopback port with a certificate nobody trusts.</summary>
    private static async Task<WebApplication> SelfSignedServerAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", () => "{}");
        await app.StartAsync();
        return app;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
}
