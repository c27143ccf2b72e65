using System.Net;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Ingress;

namespace Dispatch.Hosting.Tests.Ingress;

public sealed class RemoteCallerTests
{
    private static readonly IPAddress OtherMachine = IPAddress.Parse("10.20.30.40");

    [Fact]
    public void A_loopback_bound_ingress_refuses_callers_from_other_machines()
    {
        Assert.False(IngressEndpoints.Admits(OtherMachine, new IngressOptions { Bind = "127.0.0.1" }));
    }

    [Fact]
    public void An_ingress_bound_to_every_interface_admits_callers_from_other_machines()
    {
        Assert.True(IngressEndpoints.Admits(OtherMachine, new IngressOptions { Bind = "0.0.0.0" }));
        Assert.True(IngressEndpoints.Admits(OtherMachine, new IngressOptions { Bind = "::" }));
    }

    [Fact]
    public void Callers_on_this_machine_are_always_admitted()
    {
        Assert.True(IngressEndpoints.Admits(IPAddress.Loopback, new IngressOptions { Bind = "127.0.0.1" }));
        Assert.True(IngressEndpoints.Admits(IPAddress.IPv6Loopback, new IngressOptions { Bind = "0.0.0.0" }));
    }
}
