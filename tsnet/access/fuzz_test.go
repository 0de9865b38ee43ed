package access_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tsheadroom/tsheadroom/tsnet/access"
)

// FuzzGrantRoles gives a caller one arbitrary grant value next to a valid
// {"roles":["metrics"]} one. The caller always keeps metrics (a bad value
// elsewhere takes nothing away), holds hook or admin only when the value
// is an object whose "roles" list names them (admin then holds all), and
// never anything else; the value is never an error for the request.
func FuzzGrantRoles(f *testing.F) {
	for _, s := range []string{
		`{"roles":["hook"]}`, `{"roles":["admin"]}`, `{"roles":"admin"}`, `{"roles":["Admin","hook "]}`,
		`{"roles":[null,1,"hook"]}`, `[{"roles":["admin"]}]`, `{"roles":["admin"],"roles":[]}`, `null`, `{}`,
		`{"Roles":["admin"]}`, `{"roles":["\u0061dmin"]}`, `"admin"`, `{"roles":["admin"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // control would not send it: capability values are JSON
		}
		p, err := access.New(access.Config{
			WhoIs: whoisTable(map[string]identity{
				"100.64.0.7:1": {name: "peer", login: "eve@example.com", grants: []string{string(raw), `{"roles":["metrics"]}`}},
			}),
			RequireGrant: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[access.Role]bool{access.RoleMetrics: true}
		var g struct {
			Roles []string `json:"roles"`
		}
		if json.Unmarshal(raw, &g) == nil {
			for _, r := range g.Roles {
				if slices.Contains([]string{"hook", "metrics", "admin"}, r) {
					want[access.Role(r)] = true
				}
			}
		}
		if want[access.RoleAdmin] {
			want[access.RoleHook] = true
		}
		for _, role := range []access.Role{access.RoleHook, access.RoleMetrics, access.RoleAdmin} {
			code := serveAs(p.Require(role, string(role), echo), "100.64.0.7:1").Code
			if (code == 200) != want[role] || code != 200 && code != 403 {
				t.Fatalf("grant %s: %s answered %d, want role %v", raw, role, code, want[role])
			}
		}
	})
}
