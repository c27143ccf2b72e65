using Dispatch.Core.Options;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Ingress;

public sealed class NodeStartTests
{
    [Fact]
    public async Task A_node_without_its_ingress_token_does_not_start_and_says_which_variable_to_set()
    {
        await using var node = DispatchNode.Build(d =>
        {
            TestNode.Isolate(d);
            d.AddHocon("dispatch.ingress.port = 0");
        });

        var error = await Assert.ThrowsAsync<DispatchOptionsException>(() => node.StartAsync());

        Assert.StartsWith("dispatch.ingress.token-env names DISPATCH_INGRESS_TOKEN, which is not set", Assert.Single(error.Errors));
    }
}
