package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperatorTest {

    @Test
    void anOperatorIsNamedAndMayGiveAReason() {
        assertThat(Operator.named("alice").because("customer called"))
                .isEqualTo(new Operator("alice", Optional.of("customer called")));
        assertThat(Operator.named("alice").because("  ").reason()).as("a blank reason is none").isEmpty();
    }

    @Test
    void anEmptyOrOverlongOrMultiLineNameIsRefusedWithItsId() {
        assertThatThrownBy(() -> Operator.named(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-1100 ");
        assertThatThrownBy(() -> Operator.named("a".repeat(201))).hasMessageStartingWith("NVENT-1100 ")
                .hasMessageContaining("it has 201");
        assertThatThrownBy(() -> Operator.named("alice\nNVENT-0110 all good")).hasMessageStartingWith("NVENT-1100 ")
                .hasMessageContaining("alice\\u000aNVENT");
        assertThat(Operator.named("a".repeat(200)).name()).hasSize(200);
    }

    @Test
    void anOverlongOrMultiLineReasonIsRefusedWithItsId() {
        Operator alice = Operator.named("alice");
        assertThatThrownBy(() -> alice.because("x".repeat(1_001))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-1101 ").hasMessageContaining("it has 1001");
        assertThatThrownBy(() -> alice.because("one\u2028two")).hasMessageStartingWith("NVENT-1101 ");
        assertThat(alice.because("x".repeat(1_000)).reason()).hasValue("x".repeat(1_000));
    }

    @Test
    void aFlowServiceWrittenBeforeTheAuditTrailRefusesToActAsAnOperator() {
        FlowService old = (FlowService) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    throw new AssertionError("not called");
                });
        assertThatThrownBy(() -> old.actingAs(Operator.named("alice")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageStartingWith("NVENT-1102 ");
    }

    @Test
    void aSignedInUserWithAnOverlongNameActsUnderItsStartAndAHashAndKeepsTheWholeName() {
        String dn = "cn=Alice Example," + "ou=team,".repeat(40) + "dc=example,dc=com";
        String other = dn.replace("dc=com", "dc=org");

        Operator alice = Operator.signedIn(dn);

        assertThat(dn).hasSizeGreaterThan(Operator.MAX_NAME_LENGTH);
        assertThat(alice.name()).hasSizeLessThanOrEqualTo(Operator.MAX_NAME_LENGTH)
                .startsWith(dn.substring(0, 180)).matches(".*…[0-9a-f]{12}");
        assertThat(alice.fullName()).hasValue(dn);
        assertThat(Operator.signedIn(other).name()).as("two long names with one start stay apart")
                .isNotEqualTo(alice.name());
        assertThat(Operator.signedIn(dn)).as("one name, one operator").isEqualTo(alice);
        assertThat(alice.because("audit").fullName()).as("a reason keeps the whole name").hasValue(dn);
    }

    @Test
    void aSignedInUserWithAControlCharacterOrABlankNameIsNamedWithEscapesAndNotRefused() {
        Operator forged = Operator.signedIn("bob\nNVENT-0016 operator alice canceled run 1");
        assertThat(forged.name()).startsWith("bob\\u000aNVENT-0016").doesNotContain("\n").matches(".*…[0-9a-f]{12}");
        assertThat(forged.fullName()).hasValue("bob\nNVENT-0016 operator alice canceled run 1");
        assertThat(Operator.signedIn(" ").name()).matches("…[0-9a-f]{12}");
        assertThat(Operator.signedIn("DOMAIN\\alice")).as("an ordinary name is the name itself")
                .isEqualTo(Operator.named("DOMAIN\\alice"));
    }

    @Test
    void aSurrogatePairIsNotCutInTwo() {
        String name = "a".repeat(179) + "😀".repeat(20);
        assertThat(Operator.signedIn(name).name()).startsWith("a".repeat(179) + "…");
    }
}
