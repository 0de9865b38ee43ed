package tailnettest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"tailscale.com/ipn/ipnlocal"
)

// certAuthority issues the TLS certificates nodes would otherwise get from
// Let's Encrypt through the control plane. Only clients given CertPool trust
// it.
type certAuthority struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey

	mu     sync.Mutex
	serial int64
	certs  map[string]ipnlocal.TLSCertKeyPair // by host name
}

func newCertAuthority() (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tailnettest root CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: CA certificate: %w", err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: CA certificate: %w", err)
	}
	return &certAuthority{root: root, rootKey: key, serial: 1, certs: map[string]ipnlocal.TLSCertKeyPair{}}, nil
}

// issue returns a certificate for host, minting it on first use. Its
// signature is what ipnlocal's ConfigureCerts test hook wants.
func (ca *certAuthority) issue(host string) (*ipnlocal.TLSCertKeyPair, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if pair, ok := ca.certs[host]; ok {
		return &pair, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: key for %s: %w", host, err)
	}
	ca.serial++
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, &key.PublicKey, ca.rootKey)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: certificate for %s: %w", host, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tailnettest: key for %s: %w", host, err)
	}
	pair := ipnlocal.TLSCertKeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	ca.certs[host] = pair
	return &pair, nil
}

func (ca *certAuthority) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// CertPool returns a pool holding the harness's root certificate, for HTTPS
// clients that do not dial through a Node.
func (tn *Tailnet) CertPool() *x509.CertPool { return tn.ca.pool() }
