package io.nvent.web.internal.security;

import io.nvent.web.internal.WebSettings;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStore;
import jakarta.security.enterprise.identitystore.IdentityStoreHandler;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a user name and password against the configured identity stores, in order: the
 * {@code config} store (one user from {@code nvent.security.username/password}, holding the admin
 * role) and the {@code application} store (every Jakarta Security {@link IdentityStore} of the
 * application, through the container's {@link IdentityStoreHandler}: database, LDAP, custom).
 */
final class CredentialCheck {

    private static final System.Logger LOG = System.getLogger(CredentialCheck.class.getName());

    private final WebSettings settings;

    CredentialCheck(WebSettings settings) {
        this.settings = settings;
    }

    /** The caller, if the credentials are valid in one of the stores. */
    Optional<Caller> validate(String user, String password) {
        for (String store : settings.identityStores()) {
            Optional<Caller> caller = store.equals("config") ? config(user, password) : application(user, password);
            if (caller.isPresent()) {
                return caller;
            }
        }
        return Optional.empty();
    }

    private Optional<Caller> config(String user, String password) {
        // Both compared whichever is wrong, so that the timing does not tell a known user name.
        boolean userOk = Secrets.matchesAny(user, List.of(settings.username()));
        boolean passwordOk = Secrets.matchesAny(password, List.of(settings.password()));
        return userOk & passwordOk ? Optional.of(new Caller(user, Set.of(settings.role()), Caller.Source.BASIC))
                : Optional.empty();
    }

    private static Optional<Caller> application(String user, String password) {
        UsernamePasswordCredential credential = new UsernamePasswordCredential(user, password);
        CredentialValidationResult result;
        try {
            var handler = CDI.current().select(IdentityStoreHandler.class);
            result = handler.isResolvable() ? handler.get().validate(credential) : validateWithStores(credential);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0703 nvent.security.identity-store=application, but the "
                    + "application's identity stores could not validate: {0}", e.toString());
            return Optional.empty();
        }
        if (result.getStatus() != CredentialValidationResult.Status.VALID) {
            return Optional.empty();
        }
        return Optional.of(new Caller(result.getCallerPrincipal().getName(), result.getCallerGroups(),
                Caller.Source.BASIC));
    }

    /**
     * What the container's handler does, for servers that only provide it together with an
     * authentication mechanism: the first store that validates wins, groups from every store that
     * provides them are added.
     */
    private static CredentialValidationResult validateWithStores(UsernamePasswordCredential credential) {
        List<IdentityStore> stores = CDI.current().select(IdentityStore.class).stream()
                .sorted(Comparator.comparingInt(IdentityStore::priority)).toList();
        CredentialValidationResult valid = null;
        for (IdentityStore store : stores) {
            if (store.validationTypes().contains(IdentityStore.ValidationType.VALIDATE)) {
                CredentialValidationResult result = store.validate(credential);
                if (result.getStatus() == CredentialValidationResult.Status.VALID) {
                    valid = result;
                    break;
                }
            }
        }
        if (valid == null) {
            return CredentialValidationResult.INVALID_RESULT;
        }
        Set<String> groups = new HashSet<>(valid.getCallerGroups());
        for (IdentityStore store : stores) {
            if (store.validationTypes().contains(IdentityStore.ValidationType.PROVIDE_GROUPS)) {
                groups.addAll(store.getCallerGroups(valid));
            }
        }
        return new CredentialValidationResult(valid.getCallerPrincipal(), groups);
    }
}
